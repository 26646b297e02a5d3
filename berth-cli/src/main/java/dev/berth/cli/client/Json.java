package dev.berth.cli.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * JSON trees read and written with Jackson's streaming parser and generator only: an ObjectMapper
 * costs tens of milliseconds to construct, more than the rest of {@code berth version}.
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {}

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static JsonNode parse(byte[] json) throws IOException {
        if (json.length == 0) {
            return MissingNode.getInstance();
        }
        try (JsonParser p = FACTORY.createParser(json)) {
            return p.nextToken() == null ? MissingNode.getInstance() : read(p);
        }
    }

    public static JsonNode parse(String json) throws IOException {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The values of a stream of concatenated JSON documents (progress messages). */
    public static Iterator<JsonNode> stream(InputStream in) throws IOException {
        JsonParser p = FACTORY.createParser(in);
        return new Iterator<>() {
            private JsonToken next = p.nextToken();

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public JsonNode next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                try {
                    JsonNode n = read(p);
                    next = p.nextToken();
                    return n;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** Reads the value at the parser's current token. */
    static JsonNode read(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, read(p));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(read(p));
                }
                yield a;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IOException("unexpected JSON token " + p.currentToken());
        };
    }

    /**
     * A copy with every object's keys in sorted order: docker decodes inspect output into Go maps,
     * whose keys {@code json} and {@code range} visit sorted.
     */
    public static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            java.util.TreeMap<String, JsonNode> m = new java.util.TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                m.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode o = NODES.objectNode();
            m.forEach(o::set);
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = NODES.arrayNode();
            n.forEach(v -> a.add(sorted(v)));
            return a;
        }
        return n;
    }

    public static byte[] bytes(JsonNode n) {
        var out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Compact JSON text. */
    public static String string(JsonNode n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    var e = it.next();
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode v : n) {
                    write(g, v);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case NUMBER -> {
                if (n.isInt()) {
                    g.writeNumber(n.intValue());
                } else if (n.isLong()) {
                    g.writeNumber(n.longValue());
                } else if (n.isBigInteger()) {
                    g.writeNumber(n.bigIntegerValue());
                } else if (n.isBigDecimal()) {
                    g.writeNumber(n.decimalValue());
                } else {
                    g.writeNumber(n.doubleValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            default -> g.writeNull();
        }
    }
}
