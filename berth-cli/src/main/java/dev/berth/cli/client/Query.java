package dev.berth.cli.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Builds a query string; parameters that are null, false or empty are left out, as the docker client does. */
public final class Query {
    private final StringBuilder sb = new StringBuilder();

    public static Query of() {
        return new Query();
    }

    public Query add(String name, String value) {
        if (value != null && !value.isEmpty()) {
            sb.append(sb.isEmpty() ? '?' : '&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
        return this;
    }

    public Query flag(String name, boolean value) {
        return value ? add(name, "1") : this;
    }

    /** Always sent, "1" or "0". */
    public Query bool(String name, boolean value) {
        return add(name, value ? "1" : "0");
    }

    public Query add(String name, long value) {
        return add(name, Long.toString(value));
    }

    public String on(String path) {
        return path + sb;
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
