package dev.berth.registry;

import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/** The authenticated caller of one request and a check of what they may do beyond what the route required. */
record Grant(String user, BiFunction<String, String, Boolean> check) {
    static final Grant OPEN = new Grant("", (name, action) -> true);

    boolean can(String repository, String action) {
        return check.apply(repository, action);
    }

    /** A grant from the scopes a token carries. */
    static Grant ofScopes(String user, List<Scope> scopes) {
        return new Grant(user, (name, action) -> scopes.stream().anyMatch(s -> s.type().equals("repository")
                && s.name().equals(name) && (s.actions().contains(action) || s.actions().contains("*"))));
    }

    /** A grant from the policy, for Basic auth where no token lists the scopes. */
    static Grant ofPolicy(String user, AccessPolicy policy) {
        return new Grant(user, (name, action) ->
                policy.granted(user, new Scope("repository", name, Set.of(action))).contains(action));
    }
}
