package dev.berth.cli.commands;

import dev.berth.cli.format.HumanUnits;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Time as docker prints and parses it. */
final class Times {
    private static final DateTimeFormatter GO_STRING = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx zzz", Locale.ROOT);

    private Times() {}

    /** Go's time.Time.String() in the local zone: "2024-01-02 15:04:05 +0000 UTC". */
    static String goTime(Instant t) {
        return ZonedDateTime.ofInstant(t, ZoneId.systemDefault()).format(GO_STRING);
    }

    static String ago(Instant t, Instant now) {
        return HumanUnits.timeAgo(Duration.between(t, now));
    }

    /** An API timestamp (RFC 3339 with nanoseconds) as an instant, or null. */
    static Instant parseApi(String s) {
        if (s == null || s.isEmpty() || s.startsWith("0001-01-01")) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * docker's --since/--until values: a Go duration ("10m", "1h30m") relative to now, an RFC 3339
     * time, a date, or unix seconds; returned as "seconds.nanoseconds" the API expects.
     */
    static String apiTimestamp(String value, Instant now) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.matches("\\d+(\\.\\d+)?")) {
            return value;
        }
        Duration d = parseGoDuration(value);
        Instant t;
        if (d != null) {
            t = now.minus(d);
        } else {
            try {
                t = OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    t = java.time.LocalDateTime.parse(value).atZone(ZoneId.systemDefault()).toInstant();
                } catch (DateTimeParseException e2) {
                    try {
                        t = java.time.LocalDate.parse(value).atStartOfDay(ZoneId.systemDefault()).toInstant();
                    } catch (DateTimeParseException e3) {
                        throw new IllegalArgumentException("failed to parse value as time or duration: \"" + value + "\"");
                    }
                }
            }
        }
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    /** Go's time.ParseDuration for the units docker users type; null when it is not a duration. */
    static Duration parseGoDuration(String s) {
        var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(s);
        int pos = 0;
        double nanos = 0;
        while (m.find()) {
            if (m.start() != pos) {
                return null;
            }
            double v = Double.parseDouble(m.group(1));
            nanos += v * switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            pos = m.end();
        }
        return pos == s.length() && pos > 0 ? Duration.ofNanos((long) nanos) : null;
    }
}
