package dev.berth.dockerfile;

/** Go's time.ParseDuration ("1h2m3.5s", "300ms", "0"), to nanoseconds. */
public final class GoDuration {
    private GoDuration() {}

    public static long parse(String s) {
        String orig = s;
        if (s.equals("0")) {
            return 0;
        }
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            throw invalid(orig);
        }
        double total = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i || s.substring(start, i).equals(".")) {
                throw invalid(orig);
            }
            double value = Double.parseDouble(s.substring(start, i));
            int ustart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(ustart, i);
            double scale = switch (unit) {
                case "ns" -> 1;
                case "us", "\u00b5s", "\u03bcs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                case "" -> throw new IllegalArgumentException("time: missing unit in duration " + GoText.quote(orig));
                default -> throw new IllegalArgumentException("time: unknown unit " + GoText.quote(unit) + " in duration " + GoText.quote(orig));
            };
            total += value * scale;
        }
        if (total > Long.MAX_VALUE) {
            throw invalid(orig);
        }
        long ns = Math.round(total);
        return neg ? -ns : ns;
    }

    private static IllegalArgumentException invalid(String s) {
        return new IllegalArgumentException("time: invalid duration " + GoText.quote(s));
    }
}
