package dev.berth.registry;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One grant: {@code account} (a user name, {@code *} for any authenticated user, or {@code anonymous}) may do
 * {@code actions} (pull, push, delete, or {@code *}) on repositories matching {@code repository}, a glob where
 * {@code *} stays within one path component and {@code **} crosses them.
 */
public record AccessRule(String account, String repository, Set<String> actions) {
    public static final String ANONYMOUS = "anonymous";
    public static final Set<String> ACTIONS = Set.of("pull", "push", "delete", "*");

    public AccessRule {
        for (String a : actions) {
            if (!ACTIONS.contains(a)) {
                throw new IllegalArgumentException("unknown action " + a + " (pull, push, delete or *)");
            }
        }
        actions = Set.copyOf(actions);
    }

    boolean appliesTo(String user) {
        return account.equals(user) || (account.equals("*") && !user.equals(ANONYMOUS));
    }

    boolean matches(String name) {
        return glob(repository).matcher(name).matches();
    }

    private static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else if (c == '*') {
                re.append("[^/]*");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** The actions {@code user} may take on repository {@code name} under these rules ({@code *} expanded). */
    static Set<String> allowed(List<AccessRule> rules, String user, String name) {
        Set<String> out = new java.util.TreeSet<>();
        for (AccessRule r : rules) {
            if (r.appliesTo(user) && r.matches(name)) {
                out.addAll(r.actions.contains("*") ? Set.of("pull", "push", "delete") : r.actions);
            }
        }
        return out;
    }
}
