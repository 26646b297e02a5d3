package dev.berth.dockerfile;

import java.util.Collection;
import java.util.Locale;

/** Docker's "(did you mean X?)" hint for a mistyped instruction or flag. */
final class Suggest {
    private Suggest() {}

    /** The message with a hint appended when one option is within two edits of the value. */
    static String wrap(String message, String value, Collection<String> options, boolean upper) {
        String v = value.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        for (String o : options) {
            int d = distance(v, o.toLowerCase(Locale.ROOT));
            if (d < bestDist) {
                bestDist = d;
                best = o;
            }
        }
        if (best == null || bestDist > 2 || bestDist >= v.length()) {
            return message;
        }
        return message + " (did you mean " + (upper ? best.toUpperCase(Locale.ROOT) : best) + "?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
