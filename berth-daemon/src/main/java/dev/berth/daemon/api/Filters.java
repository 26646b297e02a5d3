package dev.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code filters} query parameter of list endpoints: filter name to the values asked for. */
public record Filters(Map<String, List<String>> values) {
    public static final Filters NONE = new Filters(Map.of());

    static Filters parse(String raw, Json json) {
        if (raw == null || raw.isBlank()) {
            return NONE;
        }
        JsonNode node = json.readTree(raw.getBytes(StandardCharsets.UTF_8));
        if (!node.isObject()) {
            throw ApiException.badRequest("invalid filter: expected a JSON object");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (var it = node.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            List<String> vals = new ArrayList<>();
            JsonNode v = e.getValue();
            if (v.isArray()) {
                v.forEach(x -> vals.add(x.asText()));
            } else if (v.isObject()) {
                // Older clients send {"name": {"value": true}}.
                v.properties().forEach(x -> {
                    if (x.getValue().asBoolean()) {
                        vals.add(x.getKey());
                    }
                });
            } else {
                throw ApiException.badRequest("invalid filter '" + e.getKey() + "'");
            }
            out.put(e.getKey(), List.copyOf(vals));
        }
        return new Filters(Map.copyOf(out));
    }

    /** Rejects filter names this endpoint does not know, with Docker's message. */
    public Filters allowOnly(Set<String> names) {
        for (String k : values.keySet()) {
            if (!names.contains(k)) {
                throw ApiException.badRequest("invalid filter '" + k + "'");
            }
        }
        return this;
    }

    public boolean has(String name) {
        return values.containsKey(name) && !values.get(name).isEmpty();
    }

    public List<String> get(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** True when the filter is absent or any of its values satisfies {@code test}. */
    public boolean matchesAny(String name, java.util.function.Predicate<String> test) {
        List<String> v = get(name);
        return v.isEmpty() || v.stream().anyMatch(test);
    }

    /**
     * Docker's label filter: every {@code key} or {@code key=value} asked for must hold.
     */
    public boolean matchesLabels(String name, Map<String, String> labels) {
        for (String want : get(name)) {
            int eq = want.indexOf('=');
            if (eq < 0) {
                if (!labels.containsKey(want)) {
                    return false;
                }
            } else if (!want.substring(eq + 1).equals(labels.get(want.substring(0, eq)))) {
                return false;
            }
        }
        return true;
    }
}
