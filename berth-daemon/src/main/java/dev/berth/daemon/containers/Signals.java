package dev.berth.daemon.containers;

import dev.berth.daemon.api.ApiException;

import java.util.List;
import java.util.Locale;

/** Signal names and numbers as Docker accepts them: {@code SIGKILL}, {@code KILL}, {@code 9}. */
final class Signals {
    /** Linux signal names by number (index 0 unused). */
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
            "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {}

    /** The signal's number as text (what runc kill takes); 400 for an unknown signal. */
    static String parse(String s) {
        String v = s.trim().toUpperCase(Locale.ROOT);
        if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(v);
            if (n < 1 || n > 64) {
                throw ApiException.badRequest("Invalid signal: " + s);
            }
            return Integer.toString(n);
        }
        if (v.startsWith("SIG")) {
            v = v.substring(3);
        }
        if (v.startsWith("RTMIN") || v.startsWith("RTMAX")) {
            int base = v.startsWith("RTMIN") ? 34 : 64;
            String rest = v.substring(5);
            int off = rest.isEmpty() ? 0 : Integer.parseInt(rest.replace("+", ""));
            return Integer.toString(base + off);
        }
        if (v.equals("IOT")) {
            v = "ABRT";
        } else if (v.equals("POLL")) {
            v = "IO";
        }
        int i = NAMES.indexOf(v);
        if (i < 1) {
            throw ApiException.badRequest("Invalid signal: " + s);
        }
        return Integer.toString(i);
    }
}
