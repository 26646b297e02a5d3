package dev.berth.cli.commands;

/** docker's formatter.Ellipsis: cut to a display width, ending with "…". */
final class Ellipsis {
    private Ellipsis() {}

    static String of(String s, int max) {
        int count = s.codePointCount(0, s.length());
        if (count <= max) {
            return s;
        }
        if (max <= 1) {
            return s.substring(0, s.offsetByCodePoints(0, max));
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
    }
}
