package dev.berth.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Go's fmt and strconv behaviour over JSON values: %v printing (maps as map[k:v], arrays as [a b]),
 * Sprint/Sprintln/Sprintf, %g-style float formatting, string quoting and literal parsing.
 */
public final class GoFormat {
    private GoFormat() {}

    // ---- value printing (%v) ----

    /** Appends {@code v} as Go's fmt %v would print the equivalent decoded value; missing prints as nil. */
    static void appendValue(StringBuilder sb, JsonNode v) {
        if (v instanceof FieldNull f) {
            sb.append(f.rendered());
        } else if (v == null || v.isMissingNode() || v.isNull()) {
            sb.append("<nil>");
        } else if (v.isTextual()) {
            sb.append(v.textValue());
        } else if (v.isBoolean()) {
            sb.append(v.booleanValue());
        } else if (v.isNumber()) {
            sb.append(formatNumber(v));
        } else if (v.isArray()) {
            sb.append('[');
            for (int i = 0; i < v.size(); i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                appendValue(sb, v.get(i));
            }
            sb.append(']');
        } else if (v.isObject()) {
            sb.append("map[");
            boolean first = true;
            for (String key : sortedKeys(v)) {
                if (!first) {
                    sb.append(' ');
                }
                first = false;
                sb.append(key).append(':');
                appendValue(sb, v.get(key));
            }
            sb.append(']');
        } else if (v.isBinary() || v.isPojo()) {
            sb.append(v.asText());
        } else {
            sb.append(v);
        }
    }

    static String valueString(JsonNode v) {
        if (v != null && v.isTextual()) {
            return v.textValue();
        }
        StringBuilder sb = new StringBuilder();
        appendValue(sb, v);
        return sb.toString();
    }

    /** Keys of an object in Go's map iteration/printing order (sorted). */
    static List<String> sortedKeys(JsonNode object) {
        List<String> keys = new ArrayList<>(object.size());
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        keys.sort(GoFormat::compareStrings);
        return keys;
    }

    /** Go compares strings bytewise (UTF-8), which matches code point order, not UTF-16 order. */
    static int compareStrings(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * True for numbers usable where Go wants an int (an int parameter, an index): integers, and floats with an
     * integral value as Go accepts for constants. For printing, only the JSON type counts (see formatNumber).
     */
    static boolean isInteger(JsonNode v) {
        if (v.isIntegralNumber()) {
            return true;
        }
        if (v.isNumber()) {
            double d = v.doubleValue();
            return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e18;
        }
        return false;
    }

    /**
     * JSON integers are Go ints (docker's structs use int64 for them); numbers written with a fraction or exponent
     * are float64 and print as Go's %v does: 1.5, 1, 1e+06.
     */
    static String formatNumber(JsonNode v) {
        if (v.isIntegralNumber()) {
            return v.isBigInteger() ? v.bigIntegerValue().toString() : Long.toString(v.longValue());
        }
        return formatFloat(v.doubleValue(), 'g', -1);
    }

    /** Go's type name of the value as text/template would report it for data decoded from JSON. */
    static String typeName(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return "<nil>";
        }
        if (v.isTextual()) {
            return "string";
        }
        if (v.isBoolean()) {
            return "bool";
        }
        if (v.isNumber()) {
            return v.isIntegralNumber() ? "int" : "float64";
        }
        if (v.isArray()) {
            return "[]interface {}";
        }
        if (v.isObject()) {
            return "map[string]interface {}";
        }
        return "interface {}";
    }

    // ---- Sprint / Sprintln / Sprintf ----

    /** fmt.Sprint: spaces between operands when neither is a string. */
    static String sprint(List<JsonNode> args) {
        StringBuilder sb = new StringBuilder();
        boolean prevString = false;
        for (int i = 0; i < args.size(); i++) {
            JsonNode a = args.get(i);
            boolean isString = a != null && a.isTextual();
            if (i > 0 && !isString && !prevString) {
                sb.append(' ');
            }
            appendValue(sb, a);
            prevString = isString;
        }
        return sb.toString();
    }

    /** fmt.Sprintln: spaces between all operands and a trailing newline. */
    static String sprintln(List<JsonNode> args) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            appendValue(sb, args.get(i));
        }
        return sb.append('\n').toString();
    }

    /** fmt.Sprintf for the verbs templates use: v s d q x X o b c t T e E f F g G U and %%. */
    public static String sprintf(String format, List<JsonNode> args) {
        StringBuilder sb = new StringBuilder();
        int argNum = 0;
        int n = format.length();
        int i = 0;
        while (i < n) {
            char c = format.charAt(i);
            if (c != '%') {
                sb.append(c);
                i++;
                continue;
            }
            i++;
            if (i >= n) {
                sb.append("%!(NOVERB)");
                break;
            }
            Spec spec = new Spec();
            while (i < n) {
                char f = format.charAt(i);
                if (f == '-') {
                    spec.minus = true;
                } else if (f == '+') {
                    spec.plus = true;
                } else if (f == '#') {
                    spec.sharp = true;
                } else if (f == ' ') {
                    spec.space = true;
                } else if (f == '0') {
                    spec.zero = true;
                } else {
                    break;
                }
                i++;
            }
            if (i < n && format.charAt(i) == '*') {
                i++;
                if (argNum < args.size() && isInteger(args.get(argNum))) {
                    spec.width = (int) args.get(argNum++).longValue();
                    if (spec.width < 0) {
                        spec.minus = true;
                        spec.width = -spec.width;
                    }
                } else {
                    sb.append("%!(BADWIDTH)");
                    argNum++;
                }
            } else {
                while (i < n && Character.isDigit(format.charAt(i))) {
                    spec.width = Math.max(0, spec.width) * 10 + (format.charAt(i++) - '0');
                }
            }
            if (i < n && format.charAt(i) == '.') {
                i++;
                spec.prec = 0;
                if (i < n && format.charAt(i) == '*') {
                    i++;
                    if (argNum < args.size() && isInteger(args.get(argNum))) {
                        spec.prec = (int) args.get(argNum++).longValue();
                    } else {
                        sb.append("%!(BADPREC)");
                        argNum++;
                    }
                } else {
                    while (i < n && Character.isDigit(format.charAt(i))) {
                        spec.prec = spec.prec * 10 + (format.charAt(i++) - '0');
                    }
                }
            }
            if (i >= n) {
                sb.append("%!(NOVERB)");
                break;
            }
            int verb = format.codePointAt(i);
            i += Character.charCount(verb);
            if (verb == '%') {
                sb.append('%');
                continue;
            }
            if (argNum >= args.size()) {
                sb.append("%!").appendCodePoint(verb).append("(MISSING)");
                continue;
            }
            formatArg(sb, spec, verb, args.get(argNum++));
        }
        if (argNum < args.size()) {
            sb.append("%!(EXTRA ");
            for (int k = argNum; k < args.size(); k++) {
                if (k > argNum) {
                    sb.append(", ");
                }
                JsonNode a = args.get(k);
                if (a == null || a.isMissingNode() || a.isNull()) {
                    sb.append("<nil>");
                } else {
                    sb.append(typeName(a)).append('=');
                    appendValue(sb, a);
                }
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /** Flags, width and precision of one printf directive. */
    private static final class Spec {
        boolean minus;
        boolean plus;
        boolean sharp;
        boolean space;
        boolean zero;
        int width = -1;
        int prec = -1;

        /** The same flags without '#': Go's %#x prints a bad value with plain %v, not %#v. */
        Spec withoutSharp() {
            Spec s = new Spec();
            s.minus = minus;
            s.plus = plus;
            s.space = space;
            s.zero = zero;
            s.width = width;
            s.prec = prec;
            return s;
        }
    }

    private static void formatArg(StringBuilder sb, Spec spec, int verb, JsonNode a) {
        boolean nil = a == null || a.isMissingNode() || a.isNull();
        if (verb == 'v' && spec.sharp) {
            pad(sb, goSyntax(a), spec, false);
            return;
        }
        if (a instanceof FieldNull f && f.isEmptyCollection() && verb != 'T') {
            sb.append(f.rendered());
            return;
        }
        // Go applies the verb (and width) to each element of a slice or map.
        if (a != null && a.isArray() && verb != 'T') {
            sb.append('[');
            for (int i = 0; i < a.size(); i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                formatArg(sb, spec, verb, a.get(i));
            }
            sb.append(']');
            return;
        }
        if (a != null && a.isObject() && verb != 'T') {
            sb.append("map[");
            boolean first = true;
            for (String key : sortedKeys(a)) {
                if (!first) {
                    sb.append(' ');
                }
                first = false;
                formatArg(sb, spec, verb, com.fasterxml.jackson.databind.node.TextNode.valueOf(key));
                sb.append(':');
                formatArg(sb, spec, verb, a.get(key));
            }
            sb.append(']');
            return;
        }
        String body;
        boolean numeric = false;
        switch (verb) {
            case 'v' -> {
                if (spec.sharp) {
                    body = goSyntax(a);
                } else if (a != null && a.isTextual()) {
                    body = spec.prec >= 0 ? truncateRunes(a.textValue(), spec.prec) : a.textValue();
                } else if (a != null && a.isIntegralNumber()) {
                    Spec noPlus = spec.withoutSharp();
                    noPlus.plus = false;
                    body = formatInteger(a, 'd', noPlus);
                    numeric = true;
                } else if (a != null && a.isNumber()) {
                    body = formatFloat(a.doubleValue(), 'g', spec.prec);
                    numeric = true;
                    if (spec.space && !spec.plus && !body.startsWith("-")) {
                        body = " " + body;
                    }
                } else {
                    body = valueString(a);
                    numeric = a != null && a.isNumber();
                }
                // %+v means "field names" in Go, not a sign: the plus flag does not apply to %v.
            }
            case 's' -> {
                if (nil || a.isNumber() || a.isBoolean()) {
                    badVerb(sb, spec, verb, a);
                    return;
                }
                body = valueString(a);
                if (spec.prec >= 0) {
                    body = truncateRunes(body, spec.prec);
                }
            }
            case 'q' -> {
                if (a != null && a.isTextual()) {
                    String text = spec.prec >= 0 ? truncateRunes(a.textValue(), spec.prec) : a.textValue();
                    body = spec.sharp && text.indexOf('`') < 0 ? "`" + text + "`" : quote(text);
                } else if (a != null && a.isIntegralNumber()) {
                    body = quoteRune((int) a.longValue());
                } else {
                    badVerb(sb, spec, verb, a);
                    return;
                }
            }
            case 'd', 'o', 'O', 'b', 'x', 'X', 'c', 'U' -> {
                if (a != null && a.isIntegralNumber()) {
                    body = formatInteger(a, verb, spec);
                    numeric = verb != 'c';
                } else if (a != null && a.isTextual() && (verb == 'x' || verb == 'X')) {
                    body = hex(a.textValue().getBytes(StandardCharsets.UTF_8), verb == 'X');
                    if (spec.sharp && !body.isEmpty()) {
                        body = (verb == 'X' ? "0X" : "0x") + body;
                    }
                } else {
                    badVerb(sb, spec, verb, a);
                    return;
                }
            }
            case 'e', 'E', 'f', 'F', 'g', 'G' -> {
                // JSON integers are Go ints, so %f on them is a bad verb as in Go.
                if (a == null || !a.isNumber() || a.isIntegralNumber()) {
                    badVerb(sb, spec, verb, a);
                    return;
                }
                char fmt = Character.toLowerCase((char) verb);
                int prec = spec.prec;
                if (prec < 0 && fmt != 'g') {
                    prec = 6;
                }
                body = formatFloat(a.doubleValue(), fmt == 'f' ? 'f' : fmt, prec);
                if (Character.isUpperCase(verb)) {
                    body = body.toUpperCase(java.util.Locale.ROOT);
                }
                if (spec.plus && !body.startsWith("-")) {
                    body = "+" + body;
                } else if (spec.space && !body.startsWith("-")) {
                    body = " " + body;
                }
                numeric = true;
            }
            case 'T' -> body = typeName(a);
            case 't' -> {
                if (a == null || !a.isBoolean()) {
                    badVerb(sb, spec, verb, a);
                    return;
                }
                body = Boolean.toString(a.booleanValue());
            }
            default -> {
                badVerb(sb, spec, verb, a);
                return;
            }
        }
        pad(sb, body, spec, numeric);
    }

    private static String formatInteger(JsonNode a, int verb, Spec spec) {
        BigInteger v = a.isIntegralNumber() ? a.bigIntegerValue() : BigInteger.valueOf((long) a.doubleValue());
        String s = switch (verb) {
            case 'd' -> v.abs().toString();
            case 'o', 'O' -> v.abs().toString(8);
            case 'b' -> v.abs().toString(2);
            case 'x' -> v.abs().toString(16);
            case 'X' -> v.abs().toString(16).toUpperCase(java.util.Locale.ROOT);
            case 'c' -> new String(Character.toChars(v.intValue()));
            case 'U' -> {
                String h = v.toString(16).toUpperCase(java.util.Locale.ROOT);
                yield "U+" + "0".repeat(Math.max(0, 4 - h.length())) + h;
            }
            default -> v.toString();
        };
        if (verb == 'c' || verb == 'U') {
            return s;
        }
        if (spec.prec >= 0 && s.length() < spec.prec) {
            s = "0".repeat(spec.prec - s.length()) + s;
        }
        if (spec.sharp) {
            s = switch (verb) {
                case 'o' -> "0" + s;
                case 'x' -> "0x" + s;
                case 'X' -> "0X" + s;
                case 'b' -> "0b" + s;
                default -> s;
            };
        }
        if (verb == 'O') {
            s = "0o" + s;
        }
        if (v.signum() < 0) {
            s = "-" + s;
        } else if (spec.plus) {
            s = "+" + s;
        } else if (spec.space) {
            s = " " + s;
        }
        return s;
    }

    private static void pad(StringBuilder sb, String body, Spec spec, boolean numeric) {
        int len = body.codePointCount(0, body.length());
        if (spec.width <= len) {
            sb.append(body);
            return;
        }
        int padding = spec.width - len;
        if (spec.minus) {
            sb.append(body).repeat(' ', padding);
        } else if (spec.zero && numeric) {
            int signLen = !body.isEmpty() && (body.charAt(0) == '-' || body.charAt(0) == '+' || body.charAt(0) == ' ') ? 1 : 0;
            sb.append(body, 0, signLen).repeat('0', padding).append(body, signLen, body.length());
        } else if (spec.zero) {
            sb.repeat('0', padding).append(body);
        } else {
            sb.repeat(' ', padding).append(body);
        }
    }

    /** Go's %!verb(type=value): the value printed with %v and the directive's flags, width and precision. */
    private static void badVerb(StringBuilder sb, Spec spec, int verb, JsonNode a) {
        sb.append("%!").appendCodePoint(verb).append('(');
        if (a == null || a.isMissingNode() || a.isNull()) {
            sb.append("<nil>");
        } else {
            sb.append(typeName(a)).append('=');
            formatArg(sb, spec.withoutSharp(), 'v', a);
        }
        sb.append(')');
    }

    /** %#v for values decoded from JSON (Go's map-mode types). */
    static String goSyntax(JsonNode a) {
        if (a == null || a.isMissingNode() || a.isNull()) {
            return "<nil>";
        }
        if (a.isTextual()) {
            return quote(a.textValue());
        }
        if (a.isArray()) {
            StringBuilder sb = new StringBuilder("[]interface {}{");
            for (int i = 0; i < a.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(goSyntax(a.get(i)));
            }
            return sb.append('}').toString();
        }
        if (a.isObject()) {
            StringBuilder sb = new StringBuilder("map[string]interface {}{");
            boolean first = true;
            for (String key : sortedKeys(a)) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(quote(key)).append(':').append(goSyntax(a.get(key)));
            }
            return sb.append('}').toString();
        }
        return valueString(a);
    }

    private static String truncateRunes(String s, int runes) {
        if (s.codePointCount(0, s.length()) <= runes) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, runes));
    }

    private static String hex(byte[] bytes, boolean upper) {
        String digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(digits.charAt((b >> 4) & 0xf)).append(digits.charAt(b & 0xf));
        }
        return sb.toString();
    }

    // ---- floats ----

    /**
     * strconv.FormatFloat(d, fmt, prec, 64) for fmt 'e', 'f' or 'g'; prec -1 means the shortest
     * representation that round-trips.
     */
    public static String formatFloat(double d, char fmt, int prec) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        boolean neg = d < 0 || (d == 0 && 1 / d < 0);
        double abs = Math.abs(d);
        boolean shortest = prec < 0;
        Digits digs;
        if (shortest) {
            digs = Digits.of(new BigDecimal(Double.toString(abs)));
            prec = switch (fmt) {
                case 'e' -> Math.max(digs.nd() - 1, 0);
                case 'f' -> Math.max(digs.nd() - digs.dp(), 0);
                default -> digs.nd();
            };
        } else {
            BigDecimal exact = new BigDecimal(abs);
            digs = switch (fmt) {
                case 'e' -> Digits.of(exact.round(new MathContext(prec + 1, RoundingMode.HALF_EVEN)));
                case 'f' -> Digits.of(exact.setScale(prec, RoundingMode.HALF_EVEN));
                default -> {
                    if (prec == 0) {
                        prec = 1;
                    }
                    yield Digits.of(exact.round(new MathContext(prec, RoundingMode.HALF_EVEN)));
                }
            };
        }
        StringBuilder sb = new StringBuilder();
        if (neg) {
            sb.append('-');
        }
        switch (fmt) {
            case 'e' -> fmtE(sb, digs, prec);
            case 'f' -> fmtF(sb, digs, prec);
            default -> {
                int eprec = prec;
                if (eprec > digs.nd() && digs.nd() >= digs.dp()) {
                    eprec = digs.nd();
                }
                if (shortest) {
                    eprec = 6;
                }
                int exp = digs.dp() - 1;
                if (exp < -4 || exp >= eprec) {
                    if (prec > digs.nd()) {
                        prec = digs.nd();
                    }
                    fmtE(sb, digs, prec - 1);
                } else {
                    if (prec > digs.dp()) {
                        prec = digs.nd();
                    }
                    fmtF(sb, digs, Math.max(prec - digs.dp(), 0));
                }
            }
        }
        return sb.toString();
    }

    /** Decimal digits (no leading or trailing zeros) with the decimal point at dp: value = 0.d * 10^dp. */
    private record Digits(String d, int dp) {
        int nd() {
            return d.length();
        }

        static Digits of(BigDecimal v) {
            if (v.signum() == 0) {
                return new Digits("", 0);
            }
            BigDecimal s = v.stripTrailingZeros();
            String digits = s.unscaledValue().toString();
            return new Digits(digits, digits.length() - s.scale());
        }

        char at(int i) {
            return i >= 0 && i < d.length() ? d.charAt(i) : '0';
        }
    }

    private static void fmtE(StringBuilder sb, Digits digs, int prec) {
        sb.append(digs.nd() == 0 ? '0' : digs.at(0));
        if (prec > 0) {
            sb.append('.');
            for (int i = 1; i <= prec; i++) {
                sb.append(digs.at(i));
            }
        }
        int exp = digs.nd() == 0 ? 0 : digs.dp() - 1;
        sb.append('e').append(exp < 0 ? '-' : '+');
        exp = Math.abs(exp);
        if (exp < 10) {
            sb.append('0');
        }
        sb.append(exp);
    }

    private static void fmtF(StringBuilder sb, Digits digs, int prec) {
        if (digs.dp() > 0) {
            for (int i = 0; i < digs.dp(); i++) {
                sb.append(digs.at(i));
            }
        } else {
            sb.append('0');
        }
        if (prec > 0) {
            sb.append('.');
            for (int i = 1; i <= prec; i++) {
                sb.append(digs.at(digs.dp() + i - 1));
            }
        }
    }

    // ---- quoting and literals ----

    /** strconv.Quote. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            appendEscaped(sb, cp, '"');
        }
        return sb.append('"').toString();
    }

    static String quoteRune(int cp) {
        StringBuilder sb = new StringBuilder().append('\'');
        appendEscaped(sb, cp, '\'');
        return sb.append('\'').toString();
    }

    private static void appendEscaped(StringBuilder sb, int cp, char quote) {
        switch (cp) {
            case 7 -> sb.append("\\a");
            case '\b' -> sb.append("\\b");
            case '\f' -> sb.append("\\f");
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            case 11 -> sb.append("\\v");
            case '\\' -> sb.append("\\\\");
            default -> {
                if (cp == quote) {
                    sb.append('\\').append(quote);
                } else if (cp < 0x20 || cp == 0x7f) {
                    appendHex(sb.append("\\x"), cp, 2, false);
                } else if (isPrint(cp)) {
                    sb.appendCodePoint(cp);
                } else if (cp < 0x10000) {
                    appendHex(sb.append("\\u"), cp, 4, false);
                } else {
                    appendHex(sb.append("\\U"), cp, 8, false);
                }
            }
        }
    }

    /** Appends {@code v} as exactly {@code digits} hex digits (String.format would pull in its regex parser). */
    static StringBuilder appendHex(StringBuilder sb, int v, int digits, boolean upper) {
        String hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            sb.append(hex.charAt((v >> shift) & 0xf));
        }
        return sb;
    }

    static boolean isPrintable(int cp) {
        return isPrint(cp);
    }

    private static boolean isPrint(int cp) {
        if (cp < 0x7f) {
            return cp >= 0x20;
        }
        int type = Character.getType(cp);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.UNASSIGNED
                && type != Character.SURROGATE && type != Character.PRIVATE_USE
                && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
                && (type != Character.SPACE_SEPARATOR || cp == 0x3000 || cp == 0x20);
    }

    /** Go's %#U rendering: U+0023 '#'. */
    static String unicodeName(int cp) {
        if (cp < 0) {
            return "U+FFFFFFFF";
        }
        String h = Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT);
        String s = "U+" + "0".repeat(Math.max(0, 4 - h.length())) + h;
        return isPrint(cp) ? s + " '" + new String(Character.toChars(cp)) + "'" : s;
    }

    /** strconv.Unquote for "..." and `...` literals; null if malformed. */
    static String unquote(String lit) {
        if (lit.length() < 2) {
            return null;
        }
        char q = lit.charAt(0);
        if (q == '`') {
            return lit.charAt(lit.length() - 1) == '`' ? lit.substring(1, lit.length() - 1).replace("\r", "") : null;
        }
        if (q != '"' || lit.charAt(lit.length() - 1) != '"') {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        int[] pos = {1};
        int end = lit.length() - 1;
        while (pos[0] < end) {
            int cp = unescape(lit, pos, end, '"');
            if (cp < 0) {
                return null;
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    /** Reads one (possibly escaped) character at pos[0], advancing it; -1 if malformed. */
    private static int unescape(String s, int[] pos, int end, char quote) {
        int i = pos[0];
        int cp = s.codePointAt(i);
        if (cp != '\\') {
            if (cp == quote) {
                return -1;
            }
            pos[0] = i + Character.charCount(cp);
            return cp;
        }
        if (i + 1 >= end) {
            return -1;
        }
        char e = s.charAt(i + 1);
        pos[0] = i + 2;
        return switch (e) {
            case 'a' -> 7;
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'v' -> 11;
            case '\\' -> '\\';
            case '\'', '"' -> e == quote ? e : -1;
            case 'x' -> hexEscape(s, pos, end, 2);
            case 'u' -> hexEscape(s, pos, end, 4);
            case 'U' -> hexEscape(s, pos, end, 8);
            case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                if (i + 4 > end) {
                    yield -1;
                }
                int v = 0;
                for (int k = i + 1; k < i + 4; k++) {
                    char c = s.charAt(k);
                    if (c < '0' || c > '7') {
                        yield -1;
                    }
                    v = v * 8 + (c - '0');
                }
                pos[0] = i + 4;
                yield v > 255 ? -1 : v;
            }
            default -> -1;
        };
    }

    private static int hexEscape(String s, int[] pos, int end, int n) {
        int start = pos[0];
        if (start + n > end) {
            return -1;
        }
        int v = 0;
        for (int k = start; k < start + n; k++) {
            int d = Character.digit(s.charAt(k), 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        pos[0] = start + n;
        return v > Character.MAX_CODE_POINT ? -1 : v;
    }

    /** A character constant like 'a' or '\n' as its code point; null if malformed. */
    static JsonNode charConstant(String lit) {
        if (lit.length() < 3 || lit.charAt(0) != '\'' || lit.charAt(lit.length() - 1) != '\'') {
            return null;
        }
        int[] pos = {1};
        int end = lit.length() - 1;
        int cp = unescape(lit, pos, end, '\'');
        return cp < 0 || pos[0] != end ? null : IntNode.valueOf(cp);
    }

    /** Digits only (with sign/underscores): Go reports such a literal that fails to parse as an integer overflow. */
    static boolean looksLikeInteger(String text) {
        String t = text.replace("_", "");
        if (t.startsWith("+") || t.startsWith("-")) {
            t = t.substring(1);
        }
        return !t.isEmpty() && t.chars().allMatch(Character::isDigit);
    }

    /** A Go number literal (decimal, 0x/0o/0b/leading-0 octal integers, floats, underscores); null if invalid. */
    static JsonNode parseNumber(String text) {
        String t = text.replace("_", "");
        boolean neg = false;
        if (t.startsWith("+") || t.startsWith("-")) {
            neg = t.charAt(0) == '-';
            t = t.substring(1);
        }
        if (t.isEmpty() || t.endsWith("i")) {
            return null;
        }
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        try {
            int radix = 10;
            String digits = t;
            if (lower.startsWith("0x") && !lower.contains(".") && !lower.contains("p")) {
                radix = 16;
                digits = t.substring(2);
            } else if (lower.startsWith("0o")) {
                radix = 8;
                digits = t.substring(2);
            } else if (lower.startsWith("0b")) {
                radix = 2;
                digits = t.substring(2);
            } else if (lower.startsWith("0x")) {
                double d = Double.parseDouble(lower.contains("p") ? t : t + "p0");
                return DoubleNode.valueOf(neg ? -d : d);
            } else if (lower.contains(".") || lower.contains("e")) {
                double d = Double.parseDouble(t);
                return DoubleNode.valueOf(neg ? -d : d);
            } else if (t.length() > 1 && t.charAt(0) == '0') {
                radix = 8;
                digits = t.substring(1);
            }
            BigInteger v = new BigInteger(digits, radix);
            if (neg) {
                v = v.negate();
            }
            // Go holds constants in int64 or uint64.
            if (v.bitLength() > 64 || (v.signum() < 0 && v.bitLength() > 63)) {
                return null;
            }
            if (v.bitLength() < 32) {
                return IntNode.valueOf(v.intValue());
            }
            if (v.bitLength() < 64) {
                return LongNode.valueOf(v.longValue());
            }
            return BigIntegerNode.valueOf(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
