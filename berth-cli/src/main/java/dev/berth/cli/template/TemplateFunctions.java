package dev.berth.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The functions a template may call: Go's builtins plus docker's (json, join, split, lower, upper, title,
 * truncate, pad). Immutable; {@link #with} returns an extended copy.
 */
public final class TemplateFunctions {

    /** A template function over JSON values; a missing value (no such field) arrives as MissingNode. */
    @FunctionalInterface
    public interface Function {
        JsonNode apply(List<JsonNode> args) throws CallException;
    }

    /** A function failed; {@code argumentError} marks Go's unwrapped argument-conversion errors. */
    public static final class CallException extends Exception {
        private final int argIndex;
        private final String expected;

        public CallException(String message) {
            this(message, -1, null);
        }

        /** An argument (index {@code argIndex}) does not convert to Go type {@code expected}. */
        CallException(String message, int argIndex, String expected) {
            super(message, null, false, false);
            this.argIndex = argIndex;
            this.expected = expected;
        }

        boolean argumentError() {
            return expected != null;
        }

        int argIndex() {
            return argIndex;
        }

        String expected() {
            return expected;
        }
    }

    /**
     * A method on JSON objects, like the methods of docker's formatting contexts ({@code {{.Label "x"}}}):
     * called with the object the field chain reached and the arguments.
     */
    @FunctionalInterface
    public interface Method {
        JsonNode apply(JsonNode receiver, List<JsonNode> args) throws CallException;
    }

    /** A function with its arity; maxArgs -1 means variadic. */
    record Def(String name, int minArgs, int maxArgs, Function fn, boolean builtin) {}

    /** A method with its arity (not counting the receiver). */
    record MethodDef(String name, int minArgs, int maxArgs, Method fn) {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final TemplateFunctions DOCKER = buildDocker();
    private static final TemplateFunctions HEADER = buildHeader();

    private final Map<String, Def> defs;
    private final Map<String, MethodDef> methods;

    private TemplateFunctions(Map<String, Def> defs) {
        this(defs, Map.of());
    }

    private TemplateFunctions(Map<String, Def> defs, Map<String, MethodDef> methods) {
        this.defs = Map.copyOf(defs);
        this.methods = Map.copyOf(methods);
    }

    /** Go's builtins plus docker's template functions. */
    public static TemplateFunctions docker() {
        return DOCKER;
    }

    /** The functions docker uses to render a table header: docker's functions return their first argument unchanged. */
    public static TemplateFunctions header() {
        return HEADER;
    }

    /** A copy with one more (or a replaced) function taking between minArgs and maxArgs (-1: any) arguments. */
    public TemplateFunctions with(String name, int minArgs, int maxArgs, Function fn) {
        Map<String, Def> copy = new HashMap<>(defs);
        copy.put(name, new Def(name, minArgs, maxArgs, fn, false));
        return new TemplateFunctions(copy, methods);
    }

    /**
     * A copy with a method {@code name} on every JSON object: {@code {{.Name args}}} calls it like Go calls a
     * method, taking precedence over an object key of the same name.
     */
    public TemplateFunctions withMethod(String name, int minArgs, int maxArgs, Method fn) {
        Map<String, MethodDef> copy = new HashMap<>(methods);
        copy.put(name, new MethodDef(name, minArgs, maxArgs, fn));
        return new TemplateFunctions(defs, copy);
    }

    /**
     * The same set as docker uses it for table headers: docker's own functions (json, split, join, title, lower,
     * upper, pad, truncate) return their first argument; the row methods are replaced by the header's only one,
     * {@code .Label "com.example.some-name"}, which prints the last dot-separated part with '-' and '_' as spaces.
     */
    public TemplateFunctions forHeader() {
        Map<String, Def> copy = new HashMap<>(defs);
        copy.putAll(HEADER.defs);
        return new TemplateFunctions(copy, Map.of("Label", new MethodDef("Label", 1, 1, TemplateFunctions::headerLabel)));
    }

    private static JsonNode headerLabel(JsonNode receiver, List<JsonNode> args) throws CallException {
        String name = str(args, 0);
        String last = name.substring(name.lastIndexOf('.') + 1);
        return TextNode.valueOf(last.replace('-', ' ').replace('_', ' '));
    }

    MethodDef method(String name) {
        return methods.isEmpty() ? null : methods.get(name);
    }

    Set<String> names() {
        return defs.keySet();
    }

    Def get(String name) {
        return defs.get(name);
    }

    // ---- definitions ----

    /**
     * The built-in functions as one enum with a switch, rather than one lambda each, so that loading them costs one
     * class instead of dozens of spun hidden classes (the CLI must start fast).
     */
    private enum Builtin implements Function {
        AND("and", 1, -1, true), OR("or", 1, -1, true), NOT("not", 1, 1, true), LEN("len", 1, 1, true),
        INDEX("index", 1, -1, true), SLICE("slice", 1, -1, true), PRINT("print", 0, -1, true),
        PRINTLN("println", 0, -1, true), PRINTF("printf", 1, -1, true), HTML("html", 0, -1, true),
        URLQUERY("urlquery", 0, -1, true), JS("js", 0, -1, true), EQ("eq", 1, -1, true), NE("ne", 2, 2, true), LT("lt", 2, 2, true),
        LE("le", 2, 2, true), GT("gt", 2, 2, true), GE("ge", 2, 2, true),
        JSON("json", 1, 1, false), SPLIT("split", 2, 2, false), JOIN("join", 2, 2, false),
        TITLE("title", 1, 1, false), LOWER("lower", 1, 1, false), UPPER("upper", 1, 1, false),
        PAD("pad", 3, 3, false), TRUNCATE("truncate", 2, 2, false),
        /** Docker's header variant of its own functions: returns the first argument. */
        FIRST("", 1, -1, false);

        final String fname;
        final int min;
        final int max;
        final boolean goBuiltin;

        Builtin(String fname, int min, int max, boolean goBuiltin) {
            this.fname = fname;
            this.min = min;
            this.max = max;
            this.goBuiltin = goBuiltin;
        }

        @Override
        public JsonNode apply(List<JsonNode> a) throws CallException {
            return switch (this) {
                // and/or short-circuit in the executor; these bodies only serve direct calls.
                case AND, OR -> a.getLast();
                case NOT -> BooleanNode.valueOf(!truth(a.getFirst()));
                case LEN -> IntNode.valueOf(length(a.getFirst()));
                case INDEX -> index(a);
                case SLICE -> slice(a);
                case PRINT -> TextNode.valueOf(GoFormat.sprint(nilForMissing(a)));
                case PRINTLN -> TextNode.valueOf(GoFormat.sprintln(nilForMissing(a)));
                case PRINTF -> TextNode.valueOf(GoFormat.sprintf(str(a, 0), nilForMissing(a.subList(1, a.size()))));
                case HTML -> TextNode.valueOf(htmlEscape(evalArgs(a)));
                case URLQUERY -> TextNode.valueOf(queryEscape(evalArgs(a)));
                case JS -> TextNode.valueOf(jsEscape(evalArgs(a)));
                case EQ -> BooleanNode.valueOf(eq(a.getFirst(), a.subList(1, a.size())));
                case NE -> BooleanNode.valueOf(!eq(a.get(0), a.subList(1, 2)));
                case LT -> BooleanNode.valueOf(lt(a.get(0), a.get(1)));
                case LE -> BooleanNode.valueOf(lt(a.get(0), a.get(1)) || eq(a.get(0), a.subList(1, 2)));
                case GT -> BooleanNode.valueOf(!(lt(a.get(0), a.get(1)) || eq(a.get(0), a.subList(1, 2))));
                case GE -> BooleanNode.valueOf(!lt(a.get(0), a.get(1)));
                case JSON -> TextNode.valueOf(GoJson.encode(a.getFirst()));
                case SPLIT -> split(str(a, 0), str(a, 1));
                case JOIN -> TextNode.valueOf(join(a.get(0), str(a, 1)));
                case TITLE -> TextNode.valueOf(title(str(a, 0)));
                case LOWER -> TextNode.valueOf(str(a, 0).toLowerCase(Locale.ROOT));
                case UPPER -> TextNode.valueOf(str(a, 0).toUpperCase(Locale.ROOT));
                case PAD -> TextNode.valueOf(pad(str(a, 0), integer(a, 1), integer(a, 2)));
                case TRUNCATE -> TextNode.valueOf(truncate(str(a, 0), integer(a, 1)));
                case FIRST -> a.getFirst();
            };
        }
    }

    private static TemplateFunctions buildDocker() {
        Map<String, Def> m = new HashMap<>();
        for (Builtin b : Builtin.values()) {
            if (b != Builtin.FIRST) {
                m.put(b.fname, new Def(b.fname, b.min, b.max, b, b.goBuiltin));
            }
        }
        return new TemplateFunctions(m);
    }

    private static TemplateFunctions buildHeader() {
        Map<String, Def> m = new HashMap<>(DOCKER.defs);
        for (Builtin b : Builtin.values()) {
            if (!b.goBuiltin && b != Builtin.FIRST) {
                m.put(b.fname, new Def(b.fname, b.min, b.max, Builtin.FIRST, false));
            }
        }
        return new TemplateFunctions(m);
    }

    // ---- argument conversion (Go's errors for typed parameters) ----

    static String str(List<JsonNode> a, int i) throws CallException {
        JsonNode v = a.get(i);
        if (v.isTextual()) {
            return v.textValue();
        }
        throw conversion(i, "string", v);
    }

    static int integer(List<JsonNode> a, int i) throws CallException {
        JsonNode v = a.get(i);
        if (v.isNumber() && GoFormat.isInteger(v)) {
            return (int) v.longValue();
        }
        throw conversion(i, "int", v);
    }

    private static CallException conversion(int argIndex, String expected, JsonNode v) {
        if (v.isMissingNode()) {
            return new CallException("invalid value; expected " + expected, argIndex, expected);
        }
        if (v.isNull()) {
            // A JSON null is a nil interface{} in Go, whose type the message names.
            return new CallException("wrong type for value; expected " + expected + "; got interface {}", argIndex, expected);
        }
        return new CallException("wrong type for value; expected " + expected + "; got " + GoFormat.typeName(v), argIndex, expected);
    }

    // ---- Go builtins ----

    /** Go's truth: false for missing, nil, false, 0, "" and empty arrays/maps. */
    public static boolean truth(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return v.doubleValue() != 0 || (v.isIntegralNumber() && v.bigIntegerValue().signum() != 0);
        }
        if (v.isTextual()) {
            return !v.textValue().isEmpty();
        }
        if (v.isContainerNode()) {
            return !v.isEmpty();
        }
        return true;
    }

    private static int length(JsonNode v) throws CallException {
        if (v.isNull()) {
            // JSON null is most often a nil slice or map in docker's typed structs, whose length Go reports as 0.
            return 0;
        }
        if (v.isMissingNode()) {
            throw new CallException("len of nil pointer");
        }
        if (v.isTextual()) {
            return utf8Length(v.textValue());
        }
        if (v.isContainerNode()) {
            return v.size();
        }
        throw new CallException("len of type " + GoFormat.typeName(v));
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static JsonNode index(List<JsonNode> a) throws CallException {
        JsonNode item = a.getFirst();
        if (item.isMissingNode() || item.isNull()) {
            throw new CallException("index of untyped nil");
        }
        for (int k = 1; k < a.size(); k++) {
            JsonNode key = a.get(k);
            if (item.isArray() || item.isTextual()) {
                int len = item.isArray() ? item.size() : item.textValue().length();
                if (!key.isNumber() || !GoFormat.isInteger(key)) {
                    throw new CallException("cannot index slice/array with type " + GoFormat.typeName(key));
                }
                long x = key.longValue();
                if (x < 0 || x >= len) {
                    throw new CallException("index out of range: " + x);
                }
                item = item.isArray() ? item.get((int) x) : IntNode.valueOf(item.textValue().getBytes(StandardCharsets.UTF_8)[(int) x] & 0xff);
            } else if (item.isObject()) {
                if (!key.isTextual()) {
                    throw new CallException("value has type " + GoFormat.typeName(key) + "; should be string");
                }
                JsonNode v = item.get(key.textValue());
                item = v != null ? v : zeroElement(item);
            } else if (item.isMissingNode() || item.isNull()) {
                throw new CallException("index of untyped nil");
            } else {
                throw new CallException("can't index item of type " + GoFormat.typeName(item));
            }
        }
        return item;
    }

    /**
     * Go returns the element type's zero value for a missing map key. Docker's typed maps of strings
     * (labels, options) give "", so objects whose values are all strings do too; others give nil.
     */
    private static JsonNode zeroElement(JsonNode object) {
        for (JsonNode v : object) {
            if (!v.isTextual()) {
                return NullNode.getInstance();
            }
        }
        return TextNode.valueOf("");
    }

    private static JsonNode slice(List<JsonNode> a) throws CallException {
        JsonNode item = a.getFirst();
        if (item.isMissingNode() || item.isNull()) {
            throw new CallException("slice of untyped nil");
        }
        if (a.size() > 4) {
            throw new CallException("too many slice indexes: " + (a.size() - 1));
        }
        int len;
        byte[] bytes = null;
        if (item.isArray()) {
            len = item.size();
        } else if (item.isTextual()) {
            bytes = item.textValue().getBytes(StandardCharsets.UTF_8);
            len = bytes.length;
            if (a.size() == 4) {
                throw new CallException("cannot 3-index slice a string");
            }
        } else {
            throw new CallException("can't slice item of type " + GoFormat.typeName(item));
        }
        int[] idx = {0, len, len};
        for (int k = 1; k < a.size(); k++) {
            JsonNode key = a.get(k);
            if (!key.isNumber() || !GoFormat.isInteger(key)) {
                throw new CallException("cannot index slice/array with type " + GoFormat.typeName(key));
            }
            long x = key.longValue();
            if (x < 0 || x > len) {
                throw new CallException("index out of range: " + x);
            }
            idx[k - 1] = (int) x;
        }
        if (idx[0] > idx[1]) {
            throw new CallException("invalid slice index: " + idx[0] + " > " + idx[1]);
        }
        if (bytes != null) {
            return TextNode.valueOf(new String(bytes, idx[0], idx[1] - idx[0], StandardCharsets.UTF_8));
        }
        ArrayNode out = NODES.arrayNode();
        for (int k = idx[0]; k < idx[1]; k++) {
            out.add(item.get(k));
        }
        return out;
    }

    /** Go's comparable basic kinds: comparing across kinds (also int with float) is an error. */
    private enum Kind { INVALID, BOOL, INT, FLOAT, STRING, OTHER }

    private static Kind kind(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return Kind.INVALID;
        }
        if (v.isBoolean()) {
            return Kind.BOOL;
        }
        if (v.isNumber()) {
            return v.isIntegralNumber() ? Kind.INT : Kind.FLOAT;
        }
        if (v.isTextual()) {
            return Kind.STRING;
        }
        return Kind.OTHER;
    }

    private static boolean eq(JsonNode a1, List<JsonNode> rest) throws CallException {
        if (rest.isEmpty()) {
            throw new CallException("missing argument for comparison");
        }
        Kind k1 = kind(a1);
        for (JsonNode a : rest) {
            Kind k2 = kind(a);
            boolean truth;
            if (k1 != k2) {
                if (k1 != Kind.INVALID && k2 != Kind.INVALID) {
                    throw new CallException("incompatible types for comparison");
                }
                truth = false;
            } else {
                truth = switch (k1) {
                    case INVALID -> true;
                    case BOOL -> a1.booleanValue() == a.booleanValue();
                    case INT, FLOAT -> compareNumbers(a1, a) == 0;
                    case STRING -> a1.textValue().equals(a.textValue());
                    case OTHER -> throw new CallException("non-comparable type " + GoFormat.valueString(a1) + ": "
                            + GoFormat.typeName(a1));
                };
            }
            if (truth) {
                return true;
            }
        }
        return false;
    }

    private static boolean lt(JsonNode a, JsonNode b) throws CallException {
        Kind k1 = kind(a);
        Kind k2 = kind(b);
        if (k1 == Kind.INVALID || k1 == Kind.OTHER || k2 == Kind.INVALID || k2 == Kind.OTHER) {
            throw new CallException("invalid type for comparison");
        }
        if (k1 != k2) {
            throw new CallException("incompatible types for comparison");
        }
        return switch (k1) {
            case INT, FLOAT -> compareNumbers(a, b) < 0;
            case STRING -> GoFormat.compareStrings(a.textValue(), b.textValue()) < 0;
            default -> throw new CallException("invalid type for comparison");
        };
    }

    private static int compareNumbers(JsonNode a, JsonNode b) {
        if (a.isIntegralNumber() && b.isIntegralNumber()) {
            return a.bigIntegerValue().compareTo(b.bigIntegerValue());
        }
        return Double.compare(a.doubleValue(), b.doubleValue());
    }

    private static String evalArgs(List<JsonNode> a) {
        if (a.size() == 1 && a.getFirst().isTextual()) {
            return a.getFirst().textValue();
        }
        return GoFormat.sprint(nilForMissing(a));
    }

    /** Functions with interface{} parameters see a missing value as nil. */
    static List<JsonNode> nilForMissing(List<JsonNode> a) {
        for (JsonNode v : a) {
            if (v.isMissingNode()) {
                return a.stream().map(x -> x.isMissingNode() ? (JsonNode) NullNode.getInstance() : x).toList();
            }
        }
        return a;
    }

    private static String htmlEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case 0 -> sb.append('\uFFFD');
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** template.JSEscapeString. */
    private static String jsEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\'' -> sb.append("\\'");
                case '"' -> sb.append("\\\"");
                case '<' -> sb.append("\\u003C");
                case '>' -> sb.append("\\u003E");
                case '&' -> sb.append("\\u0026");
                case '=' -> sb.append("\\u003D");
                default -> {
                    if (c < ' ' || (c >= 0x7f && !GoFormat.isPrintable(c))) {
                        GoFormat.appendHex(sb.append("\\u"), c, 4, true);
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String queryEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else if (c == ' ') {
                sb.append('+');
            } else {
                sb.append('%').append("0123456789ABCDEF".charAt(c >> 4)).append("0123456789ABCDEF".charAt(c & 0xf));
            }
        }
        return sb.toString();
    }

    // ---- docker's functions ----

    private static JsonNode split(String s, String sep) {
        ArrayNode out = NODES.arrayNode();
        if (sep.isEmpty()) {
            s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        int from = 0;
        while (true) {
            int x = s.indexOf(sep, from);
            if (x < 0) {
                out.add(s.substring(from));
                return out;
            }
            out.add(s.substring(from, x));
            from = x + sep.length();
        }
    }

    private static String join(JsonNode elems, String sep) throws CallException {
        if (elems.isNull()) {
            return "";
        }
        if (!elems.isArray()) {
            throw conversion(0, "[]string", elems);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < elems.size(); i++) {
            if (i > 0) {
                sb.append(sep);
            }
            sb.append(GoFormat.valueString(elems.get(i)));
        }
        return sb.toString();
    }

    /** strings.Title: upper-cases the first letter of each word. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        int prev = ' ';
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            sb.appendCodePoint(isSeparator(prev) ? Character.toTitleCase(cp) : cp);
            prev = cp;
        }
        return sb.toString();
    }

    private static boolean isSeparator(int r) {
        if (r <= 0x7f) {
            return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_');
        }
        if (Character.isLetter(r) || Character.isDigit(r)) {
            return false;
        }
        return Character.isWhitespace(r) || Character.isSpaceChar(r);
    }

    static String pad(String s, int prefix, int suffix) throws CallException {
        if (s.isEmpty()) {
            return s;
        }
        if (prefix < 0 || suffix < 0) {
            // Go's strings.Repeat panics; text/template reports the panic as the call's error.
            throw new CallException("strings: negative Repeat count");
        }
        return " ".repeat(prefix) + s + " ".repeat(suffix);
    }

    static String truncate(String s, int length) {
        int runes = s.codePointCount(0, s.length());
        if (runes < length || length < 0) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, length));
    }
}
