package dev.berth.cli.output;

/**
 * Go's json.Indent: re-indents JSON text without re-encoding it, so the daemon's key order and
 * escapes survive (docker inspect prints with four spaces).
 */
public final class GoJsonIndent {
    private GoJsonIndent() {}

    public static String indent(String json, String indent) {
        StringBuilder out = new StringBuilder(json.length() * 2);
        int depth = 0;
        boolean inString = false;
        boolean needIndent = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                out.append(c);
                if (c == '\\' && i + 1 < json.length()) {
                    out.append(json.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                continue;
            }
            if (needIndent && c != ']' && c != '}') {
                needIndent = false;
                depth++;
                newline(out, indent, depth);
            }
            switch (c) {
                case '"' -> {
                    inString = true;
                    out.append(c);
                }
                case '{', '[' -> {
                    out.append(c);
                    needIndent = true;
                }
                case ',' -> {
                    out.append(c);
                    newline(out, indent, depth);
                }
                case ':' -> out.append(": ");
                case '}', ']' -> {
                    if (needIndent) {
                        needIndent = false; // empty: {} or []
                    } else {
                        depth--;
                        newline(out, indent, depth);
                    }
                    out.append(c);
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static void newline(StringBuilder out, String indent, int depth) {
        out.append('\n');
        out.append(indent.repeat(Math.max(0, depth)));
    }
}
