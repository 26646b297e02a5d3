package dev.berth.dockerfile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The flags an instruction accepts ({@code --name=value}, {@code --bool}, repeatable lists) and
 * their values on one line, checked with Docker's messages: unknown flags, missing values and
 * duplicates are errors.
 */
final class Flags {
    enum Type { BOOL, STRING, LIST }

    private final Map<String, Type> allowed = new LinkedHashMap<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    Flags bool(String name) {
        allowed.put(name, Type.BOOL);
        return this;
    }

    Flags string(String name) {
        allowed.put(name, Type.STRING);
        return this;
    }

    Flags list(String name) {
        allowed.put(name, Type.LIST);
        return this;
    }

    /** Reads the flags of a statement; throws with Docker's wording on the first bad one. */
    Flags parse(List<String> flags) throws DockerfileSyntaxException.Detail {
        for (String f : flags) {
            if (!f.startsWith("--")) {
                throw new DockerfileSyntaxException.Detail("arg should start with -- : " + f);
            }
            if (f.equals("--")) {
                return this;
            }
            String name = f.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Type type = allowed.get(name);
            if (type == null) {
                throw new DockerfileSyntaxException.Detail(Suggest.wrap("unknown flag: " + name, name, allowed.keySet(), false));
            }
            if (values.containsKey(name) && type != Type.LIST) {
                throw new DockerfileSyntaxException.Detail("duplicate flag specified: " + name);
            }
            switch (type) {
                case BOOL -> {
                    if (value != null && value.isEmpty()) {
                        throw new DockerfileSyntaxException.Detail("missing a value on flag: " + name);
                    }
                    String v = value == null ? "" : value.toLowerCase(Locale.ROOT);
                    if (!v.equals("true") && !v.isEmpty() && !v.equals("false")) {
                        throw new DockerfileSyntaxException.Detail("expecting boolean value for flag " + name + ", not: " + value);
                    }
                    values.put(name, List.of(v.equals("false") ? "false" : "true"));
                }
                case STRING -> {
                    if (value == null) {
                        throw new DockerfileSyntaxException.Detail("missing a value on flag: " + name);
                    }
                    values.put(name, List.of(value));
                }
                case LIST -> {
                    if (value == null) {
                        throw new DockerfileSyntaxException.Detail("missing a value on flag: " + name);
                    }
                    values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                }
            }
        }
        return this;
    }

    /** A string or bool flag's value, or null when not given. */
    String value(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.getFirst();
    }

    /** A bool flag: null when not given. */
    Boolean flag(String name) {
        String v = value(name);
        return v == null ? null : Boolean.valueOf(v);
    }

    boolean isTrue(String name) {
        return "true".equals(value(name));
    }

    /** A repeatable flag's values in order. */
    List<String> values(String name) {
        return List.copyOf(values.getOrDefault(name, List.of()));
    }
}
