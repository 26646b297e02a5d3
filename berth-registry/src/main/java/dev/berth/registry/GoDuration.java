package dev.berth.registry;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as distribution's config.yml writes them ({@code 168h}, {@code 1h30m}, {@code 300s}), or ISO-8601. */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    private GoDuration() {}

    static Duration parse(String text) {
        String t = text.strip();
        if (t.startsWith("P") || t.startsWith("p")) {
            return Duration.parse(t);
        }
        Matcher m = PART.matcher(t);
        Duration d = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            at = m.end();
        }
        if (at != t.length() || t.isEmpty()) {
            throw new IllegalArgumentException("invalid duration " + text + " (like 24h, 30m, 90s or PT24H)");
        }
        return d;
    }
}
