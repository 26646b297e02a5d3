package dev.berth.cli.format;

import dev.berth.cli.template.GoFormat;
import java.time.Duration;
import java.util.Locale;

/** Docker's go-units formatting and parsing of sizes and durations, plus docker's short IDs. */
public final class HumanUnits {
    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

    private HumanUnits() {}

    /** Decimal size with 3 significant digits as docker images/ps print it: 4.26MB, 999B, 1.5kB. */
    public static String size(double bytes) {
        return size(bytes, 3);
    }

    /** units.HumanSizeWithPrecision: decimal units, {@code precision} significant digits (%g). */
    public static String size(double bytes, int precision) {
        int i = 0;
        while (bytes >= 1000.0 && i < DECIMAL.length - 1) {
            bytes /= 1000.0;
            i++;
        }
        return GoFormat.formatFloat(bytes, 'g', precision) + DECIMAL[i];
    }

    /** units.HumanSize: decimal units with 4 significant digits (docker system df). */
    public static String humanSize(double bytes) {
        return size(bytes, 4);
    }

    /** units.BytesSize: binary units with 4 significant digits: 1KiB, 1.5MiB. */
    public static String bytesSize(double bytes) {
        int i = 0;
        while (bytes >= 1024.0 && i < BINARY.length - 1) {
            bytes /= 1024.0;
            i++;
        }
        return GoFormat.formatFloat(bytes, 'g', 4) + BINARY[i];
    }

    /** units.HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks", ... */
    public static String duration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < 1) {
            return "Less than a second";
        }
        if (seconds == 1) {
            return "1 second";
        }
        if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = seconds / 60;
        if (minutes == 1) {
            return "About a minute";
        }
        if (minutes < 60) {
            return minutes + " minutes";
        }
        double exactHours = (seconds + d.getNano() / 1e9) / 3600.0;
        long hours = (long) (exactHours + 0.5);
        if (hours == 1) {
            return "About an hour";
        }
        if (hours < 48) {
            return hours + " hours";
        }
        if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        }
        if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        }
        if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return (long) exactHours / 24 / 365 + " years";
    }

    /** duration + " ago", as in the CREATED column; a negative duration counts as zero. */
    public static String timeAgo(Duration d) {
        return duration(d.isNegative() ? Duration.ZERO : d) + " ago";
    }

    /** units.RAMInBytes: binary multiples for flags like --memory 64m, 1g, 1.5GiB, 512k, 100 (bytes). */
    public static long parseBytes(String s) {
        return parse(s, 1024);
    }

    /** units.FromHumanSize: decimal multiples (1k = 1000). */
    public static long parseSize(String s) {
        return parse(s, 1000);
    }

    private static long parse(String s, long base) {
        int sep = -1;
        for (int i = s.length() - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if ((c >= '0' && c <= '9') || c == '.' || c == ' ') {
                sep = i;
                break;
            }
        }
        if (sep < 0) {
            throw new IllegalArgumentException("invalid size: '" + s + "'");
        }
        String num = s.charAt(sep) == ' ' ? s.substring(0, sep) : s.substring(0, sep + 1);
        String sfx = s.substring(sep + 1);
        double size;
        try {
            if (num.isEmpty() || !Character.isDigit(num.charAt(0)) && num.charAt(0) != '.') {
                throw new NumberFormatException();
            }
            size = Double.parseDouble(num);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size: '" + s + "'");
        }
        if (sfx.isEmpty()) {
            return (long) size;
        }
        String lower = sfx.toLowerCase(Locale.ROOT);
        if (lower.length() > 3) {
            throw badSuffix(lower);
        }
        if (lower.charAt(0) == 'b') {
            if (lower.length() > 1) {
                throw badSuffix(lower);
            }
            return (long) size;
        }
        int power = "kmgtp".indexOf(lower.charAt(0)) + 1;
        if (power == 0) {
            throw badSuffix(lower);
        }
        if ((lower.length() == 2 && lower.charAt(1) != 'b') || (lower.length() == 3 && !lower.endsWith("ib"))) {
            throw badSuffix(lower);
        }
        double mul = Math.pow(base, power);
        return (long) (size * mul);
    }

    private static IllegalArgumentException badSuffix(String sfx) {
        return new IllegalArgumentException("invalid suffix: '" + sfx + "'");
    }

    /** stringid.TruncateID: drops an algorithm prefix like "sha256:" and keeps 12 characters. */
    public static String truncateId(String id) {
        int colon = id.indexOf(':');
        if (colon >= 0) {
            id = id.substring(colon + 1);
        }
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
