package dev.berth.registry;

import java.util.List;
import java.util.Set;

/**
 * Who may do what once authenticated. With no rules every authenticated user may do everything and anonymous
 * users nothing (as distribution's htpasswd auth); with rules, only what a rule grants.
 */
final class AccessPolicy {
    private static final Set<String> ALL = Set.of("pull", "push", "delete");
    private final List<AccessRule> rules;

    AccessPolicy(List<AccessRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The actions of {@code wanted} that {@code user} ({@link AccessRule#ANONYMOUS} if none) may take. */
    Set<String> granted(String user, Scope wanted) {
        if (wanted.type().equals("registry") && wanted.name().equals("catalog")) {
            return user.equals(AccessRule.ANONYMOUS) ? Set.of() : Set.of("*");
        }
        if (!wanted.type().equals("repository")) {
            return Set.of();
        }
        Set<String> allowed = rules.isEmpty()
                ? (user.equals(AccessRule.ANONYMOUS) ? Set.of() : ALL)
                : AccessRule.allowed(rules, user, wanted.name());
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String a : wanted.actions()) {
            if (allowed.contains(a) || (a.equals("*") && allowed.containsAll(ALL))) {
                out.add(a);
            }
        }
        return out;
    }
}
