package dev.berth.registry;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as distribution's config.yml writes them ({@code 168h}, {@code 1h30m}, {@code 300s}), or ISO-8601.
 * Every bad value, including a negative or out-of-range one, is an {@link IllegalArgumentException}.
 */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    private GoDuration() {}

    static Duration parse(String text) {
        String t = text.strip();
        try {
            Duration d = t.startsWith("P") || t.startsWith("p") ? Duration.parse(t) : goStyle(t);
            if (d == null) {
                throw invalid(text);
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException("invalid duration " + text + ": negative");
            }
            return d;
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            // Duration.parse's own exception, and amounts beyond what a Duration (or a long) holds
            throw invalid(text);
        }
    }

    /** The sum of the parts, or null if the text is not a sequence of them. */
    private static Duration goStyle(String t) {
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
        return at != t.length() || t.isEmpty() ? null : d;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid duration " + text + " (like 24h, 30m, 90s or PT24H)");
    }
}
