package dev.berth.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the exec (JSON) form of an instruction as Docker does: the whole text must be one JSON
 * value, an array. Text that is not valid JSON (trailing text included) is not an error (the
 * instruction falls back to shell form), but a valid array holding anything other than strings is.
 */
final class JsonArgs {
    /** The outcome: the strings, or why the text is not a usable array. */
    sealed interface Result permits Strings, NotJson, NotStringArray {}

    /** A valid JSON array of strings. */
    record Strings(List<String> values) implements Result {}

    /** Not JSON (or not an array): the caller uses the shell form. */
    record NotJson(String reason) implements Result {}

    /** A JSON array with a non-string element: a syntax error in a Dockerfile. */
    record NotStringArray() implements Result {}

    static final String NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only";

    private final String s;
    private int pos;

    private JsonArgs(String s) {
        this.s = s;
    }

    static Result parse(String rest) {
        String text = GoText.trimLeftSpace(rest);
        if (!text.startsWith("[")) {
            return new NotJson("not an array");
        }
        JsonArgs p = new JsonArgs(text);
        try {
            Object v = p.value();
            p.skipWs();
            if (p.pos != text.length()) {
                return new NotJson("invalid character after top-level value");
            }
            if (!(v instanceof List<?> list)) {
                return new NotJson("not an array");
            }
            List<String> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (!(o instanceof String str)) {
                    return new NotStringArray();
                }
                out.add(str);
            }
            return new Strings(out);
        } catch (IllegalArgumentException e) {
            return new NotJson(e.getMessage());
        }
    }

    private static final Object NON_STRING = new Object();

    private Object value() {
        skipWs();
        if (pos >= s.length()) {
            throw new IllegalArgumentException("unexpected end of JSON input");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '[' -> {
                pos++;
                List<Object> list = new ArrayList<>();
                skipWs();
                if (peek() == ']') {
                    pos++;
                    return list;
                }
                while (true) {
                    list.add(value());
                    skipWs();
                    char d = peek();
                    pos++;
                    if (d == ']') {
                        return list;
                    }
                    if (d != ',') {
                        throw new IllegalArgumentException("invalid character in array");
                    }
                }
            }
            case '{' -> {
                pos++;
                skipWs();
                if (peek() == '}') {
                    pos++;
                    return NON_STRING;
                }
                while (true) {
                    skipWs();
                    if (peek() != '"') {
                        throw new IllegalArgumentException("invalid object key");
                    }
                    string();
                    skipWs();
                    if (peek() != ':') {
                        throw new IllegalArgumentException("missing colon");
                    }
                    pos++;
                    value();
                    skipWs();
                    char d = peek();
                    pos++;
                    if (d == '}') {
                        return NON_STRING;
                    }
                    if (d != ',') {
                        throw new IllegalArgumentException("invalid character in object");
                    }
                }
            }
            case '"' -> {
                return string();
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
        return NON_STRING;
    }

    private char peek() {
        if (pos >= s.length()) {
            throw new IllegalArgumentException("unexpected end of JSON input");
        }
        return s.charAt(pos);
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void literal(String word) {
        if (!s.startsWith(word, pos)) {
            throw new IllegalArgumentException("invalid literal");
        }
        pos += word.length();
    }

    private void number() {
        int start = pos;
        if (pos < s.length() && s.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= s.length() || !isDigit(s.charAt(pos))) {
            throw new IllegalArgumentException("invalid character looking for beginning of value");
        }
        if (s.charAt(pos) == '0') {
            pos++;
        } else {
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            digits();
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            digits();
        }
        if (pos == start) {
            throw new IllegalArgumentException("invalid number");
        }
    }

    private void digits() {
        int start = pos;
        while (pos < s.length() && isDigit(s.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw new IllegalArgumentException("invalid number");
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw new IllegalArgumentException("unexpected end of JSON input");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw new IllegalArgumentException("invalid character in string literal");
            }
            if (c != '\\') {
                // Go's JSON decoder turns invalid UTF-8 into the replacement character
                sb.append(c >= 0xDC80 && c <= 0xDCFF ? '\uFFFD' : c);
                continue;
            }
            if (pos >= s.length()) {
                throw new IllegalArgumentException("unexpected end of JSON input");
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u) && s.startsWith("\\u", pos)) {
                        int save = pos;
                        pos += 2;
                        char low = hex4();
                        if (Character.isLowSurrogate(low)) {
                            sb.append(u).append(low);
                            break;
                        }
                        pos = save;
                    }
                    // Go decodes a lone surrogate escape as the replacement character.
                    sb.append(Character.isSurrogate(u) ? '\uFFFD' : u);
                }
                default -> throw new IllegalArgumentException("invalid escape in string literal");
            }
        }
    }

    private char hex4() {
        if (pos + 4 > s.length()) {
            throw new IllegalArgumentException("unexpected end of JSON input");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
                throw new IllegalArgumentException("invalid \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }
}
