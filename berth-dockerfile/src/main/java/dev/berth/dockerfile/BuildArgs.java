package dev.berth.dockerfile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code --build-arg} values of one build, the automatic platform ARGs of the global scope, and
 * which build args the Dockerfile declared (the rest are reported as not consumed, as Docker warns).
 * A null value is a build arg given without a value: it counts as not set.
 */
public final class BuildArgs {
    /** The proxy ARGs usable in RUN without an ARG instruction; kept out of history and cache keys. */
    public static final Set<String> PROXY_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
            "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

    private final Map<String, String> values;
    private final Map<String, String> builtins;
    private final Set<String> consumed = Collections.synchronizedSet(new LinkedHashSet<>());

    /**
     * @param values the build args as given (a null value: given without one)
     * @param builtins the automatic ARGs of the global scope (TARGETPLATFORM, BUILDPLATFORM, ...)
     */
    public BuildArgs(Map<String, String> values, Map<String, String> builtins) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.builtins = Map.copyOf(builtins);
    }

    public static BuildArgs of(Map<String, String> values) {
        return new BuildArgs(values, Map.of());
    }

    /** The platform ARGs for a target and build platform such as "linux/amd64" or "linux/arm/v7". */
    public static Map<String, String> platformArgs(String target, String build) {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "TARGET", target);
        put(m, "BUILD", build);
        return m;
    }

    private static void put(Map<String, String> m, String prefix, String platform) {
        String[] p = platform.split("/", 3);
        m.put(prefix + "PLATFORM", platform);
        m.put(prefix + "OS", p[0]);
        m.put(prefix + "ARCH", p.length > 1 ? p[1] : "");
        m.put(prefix + "VARIANT", p.length > 2 ? p[2] : "");
    }

    /** Whether the build gave a value for the arg. */
    public boolean has(String name) {
        return values.get(name) != null;
    }

    /** The build's value for an arg (null when not given), marking it consumed. */
    public String consume(String name) {
        consumed.add(name);
        return values.get(name);
    }

    /** The build arg values without marking anything. */
    public Map<String, String> values() {
        return values;
    }

    public Map<String, String> builtins() {
        return builtins;
    }

    /** The proxy args the build gave (usable in RUN without declaration). */
    public Map<String, String> proxies() {
        Map<String, String> m = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v != null && PROXY_ARGS.contains(k)) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** Build args no ARG instruction declared (proxies excepted), sorted, for Docker's warning. */
    public List<String> unconsumed() {
        Set<String> out = new TreeSet<>();
        for (String k : values.keySet()) {
            if (!consumed.contains(k) && !PROXY_ARGS.contains(k)) {
                out.add(k);
            }
        }
        return List.copyOf(out);
    }

    /**
     * The global scope: each ARG before the first FROM gets the build's value, else its default
     * (expanded with the earlier global ARGs). The automatic platform ARGs are set as well.
     */
    public Map<String, String> globalScope(DockerfileModel model) throws DockerfileSyntaxException {
        Map<String, String> scope = new LinkedHashMap<>(builtins);
        ShellLex lex = ShellLex.of(model.escape());
        for (Instruction.Arg arg : model.metaArgs()) {
            Map<String, String> snapshot = new LinkedHashMap<>(scope);
            for (Instruction.ArgDef def : arg.args()) {
                String name = StageEvaluator.expand(lex, def.name(), snapshot::get, arg);
                String value = consume(name);
                if (value == null && def.value() != null) {
                    value = StageEvaluator.expand(lex, def.value(), snapshot::get, arg);
                }
                if (value == null && !scope.containsKey(name)) {
                    scope.put(name, null);
                } else if (value != null) {
                    scope.put(name, value);
                }
            }
        }
        return Collections.unmodifiableMap(scope);
    }
}
