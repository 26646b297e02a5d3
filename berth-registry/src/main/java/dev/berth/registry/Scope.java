package dev.berth.registry;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A token scope as Docker writes it: {@code repository:library/busybox:pull,push} or {@code registry:catalog:*}. */
public record Scope(String type, String name, Set<String> actions) {
    public static final Scope CATALOG = new Scope("registry", "catalog", Set.of("*"));

    public Scope {
        actions = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(actions));
    }

    static Scope repository(String name, String... actions) {
        return new Scope("repository", name, new LinkedHashSet<>(List.of(actions)));
    }

    /** Parses one scope; the name may itself hold colons (a registry host with a port), the type and actions not. */
    public static Scope parse(String text) {
        int first = text.indexOf(':');
        int last = text.lastIndexOf(':');
        if (first <= 0 || last == first) {
            throw new IllegalArgumentException("invalid scope " + text);
        }
        Set<String> actions = new LinkedHashSet<>();
        for (String a : text.substring(last + 1).split(",")) {
            if (!a.isBlank()) {
                actions.add(a.strip());
            }
        }
        return new Scope(text.substring(0, first), text.substring(first + 1, last), actions);
    }

    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions);
    }
}
