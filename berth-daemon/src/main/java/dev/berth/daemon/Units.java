package dev.berth.daemon;

import java.util.Locale;

/** Docker's size notation: {@code 64m}, {@code 1g}, {@code 512k}, {@code 100b}, binary multiples. */
public final class Units {
    private Units() {}

    public static long parseBytes(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("b") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        }
        long mult = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        switch (last) {
            case 'b' -> s = s.substring(0, s.length() - 1);
            case 'k' -> { mult = 1L << 10; s = s.substring(0, s.length() - 1); }
            case 'm' -> { mult = 1L << 20; s = s.substring(0, s.length() - 1); }
            case 'g' -> { mult = 1L << 30; s = s.substring(0, s.length() - 1); }
            case 't' -> { mult = 1L << 40; s = s.substring(0, s.length() - 1); }
            default -> { }
        }
        try {
            double v = Double.parseDouble(s.trim());
            if (v < 0) {
                throw new IllegalArgumentException("invalid size: '" + text + "'");
            }
            return (long) (v * mult);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size: '" + text + "'");
        }
    }
}
