package dev.berth.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Compact JSON as Go's encoding/json writes it with SetEscapeHTML(false) (docker's {{json}}). */
public final class GoJson {
    private GoJson() {}

    /** Encodes {@code v}; missing and null values encode as null. */
    public static String encode(JsonNode v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    static void write(StringBuilder sb, JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            sb.append("null");
        } else if (v.isTextual()) {
            writeString(sb, v.textValue());
        } else if (v.isBoolean()) {
            sb.append(v.booleanValue());
        } else if (v.isNumber()) {
            writeNumber(sb, v);
        } else if (v.isArray()) {
            sb.append('[');
            for (int i = 0; i < v.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, v.get(i));
            }
            sb.append(']');
        } else if (v.isObject()) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                writeString(sb, e.getKey());
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else {
            writeString(sb, v.asText());
        }
    }

    private static void writeNumber(StringBuilder sb, JsonNode v) {
        if (v.isIntegralNumber()) {
            sb.append(GoFormat.formatNumber(v));
            return;
        }
        double d = v.doubleValue();
        double abs = Math.abs(d);
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
            String s = GoFormat.formatFloat(d, 'e', -1);
            int n = s.length();
            // Go trims a leading zero from two-digit negative exponents: e-07 -> e-7.
            if (n >= 4 && s.charAt(n - 4) == 'e' && s.charAt(n - 3) == '-' && s.charAt(n - 2) == '0') {
                s = s.substring(0, n - 2) + s.charAt(n - 1);
            }
            sb.append(s);
        } else {
            sb.append(GoFormat.formatFloat(d, 'f', -1));
        }
    }

    static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\u2028', '\u2029' -> GoFormat.appendHex(sb.append("\\u"), c, 4, false);
                default -> {
                    if (c < 0x20) {
                        GoFormat.appendHex(sb.append("\\u"), c, 4, false);
                    } else if (Character.isSurrogate(c)) {
                        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                            sb.append(c).append(s.charAt(++i));
                        } else {
                            sb.append("\\ufffd");
                        }
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
