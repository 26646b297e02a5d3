package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A seccomp profile in Docker's terms (rules that apply only with or without some capabilities, on
 * some architectures, from some kernel on) and its evaluation into the OCI {@code linux.seccomp} of one
 * container, as dockerd does it: the capabilities are the container's, the architecture the host's.
 *
 * @param archMap       host architecture (Go's name: amd64, arm64) to the seccomp architectures it runs
 * @param architectures a flat list (a user profile's {@code architectures}); used when {@code archMap} is empty
 */
public record SeccompProfile(String defaultAction, Integer defaultErrnoRet, Map<String, List<String>> archMap,
                             List<String> architectures, List<String> flags, List<Rule> rules) {

    /** One rule: {@code action} for {@code names} when the arguments match and the conditions hold. */
    public record Rule(List<String> names, String action, Integer errnoRet, List<Arg> args, Condition includes,
                       Condition excludes) {}

    /** A comparison of one syscall argument ({@code op} is an {@code SCMP_CMP_*}). */
    public record Arg(int index, long value, long valueTwo, String op) {}

    /** Capabilities (all needed to include, any one to exclude), Go architecture names, a minimum kernel. */
    public record Condition(List<String> caps, List<String> arches, String minKernel) {
        static final Condition NONE = new Condition(List.of(), List.of(), null);
    }

    static final Set<String> ACTIONS = Set.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
    static final Set<String> OPS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
            "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
    /** Go's architecture names to the seccomp ones, for a user profile's {@code archMap}. */
    private static final Map<String, String> SCMP_ARCH = Map.of("amd64", "SCMP_ARCH_X86_64", "arm64",
            "SCMP_ARCH_AARCH64", "ppc64le", "SCMP_ARCH_PPC64LE", "s390x", "SCMP_ARCH_S390X", "riscv64",
            "SCMP_ARCH_RISCV64", "386", "SCMP_ARCH_X86", "arm", "SCMP_ARCH_ARM");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String RESOURCE = "seccomp-default.json";
    private static volatile SeccompProfile builtin;

    /** berthd's default profile (the {@code seccomp-default.json} resource), read once. */
    public static SeccompProfile builtin() {
        SeccompProfile p = builtin;
        if (p == null) {
            try (InputStream in = SeccompProfile.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + RESOURCE + " missing");
                }
                p = fromBerthResource(MAPPER.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            builtin = p;
        }
        return p;
    }

    /**
     * Our resource's shape: {@code architectures} by Go architecture, {@code allow} groups of names allowed
     * outright, and Docker-shaped conditional {@code rules}.
     */
    static SeccompProfile fromBerthResource(JsonNode n) {
        Map<String, List<String>> arches = new LinkedHashMap<>();
        n.path("architectures").properties().forEach(e -> arches.put(e.getKey(), strings(e.getValue())));
        List<String> allowed = new ArrayList<>();
        n.path("allow").properties().forEach(e -> allowed.addAll(strings(e.getValue())));
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule(List.copyOf(allowed), "SCMP_ACT_ALLOW", null, List.of(), Condition.NONE, Condition.NONE));
        for (JsonNode r : n.path("rules")) {
            rules.add(rule(r));
        }
        return new SeccompProfile(n.path("defaultAction").asText(), errno(n.get("defaultErrnoRet")), arches, List.of(),
                List.of(), rules);
    }

    /** A profile in Docker's JSON format, as {@code --security-opt seccomp=<file>} sends it; 400 when it is not one. */
    public static SeccompProfile parseDocker(String jsonText) {
        JsonNode n;
        try {
            n = MAPPER.readTree(jsonText);
        } catch (IOException e) {
            throw bad("decoding seccomp profile failed: " + firstLine(e.getMessage()));
        }
        if (n == null || !n.isObject()) {
            throw bad("decoding seccomp profile failed: not a JSON object");
        }
        if (n.path("architectures").size() > 0 && n.path("archMap").size() > 0) {
            throw bad("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
        }
        Map<String, List<String>> archMap = new LinkedHashMap<>();
        for (JsonNode a : n.path("archMap")) {
            String scmp = a.path("architecture").asText();
            List<String> all = new ArrayList<>();
            all.add(scmp);
            all.addAll(strings(a.path("subArchitectures")));
            SCMP_ARCH.forEach((go, name) -> {
                if (name.equals(scmp)) {
                    archMap.put(go, all);
                }
            });
        }
        List<Rule> rules = new ArrayList<>();
        for (JsonNode r : n.path("syscalls")) {
            rules.add(rule(r));
        }
        String def = n.path("defaultAction").asText("");
        if (!ACTIONS.contains(def)) {
            throw bad("seccomp profile: invalid defaultAction \"" + def + "\"");
        }
        return new SeccompProfile(def, errno(n.get("defaultErrnoRet")), archMap, strings(n.path("architectures")),
                strings(n.path("flags")), rules);
    }

    /** Reads a Docker-format profile file (the daemon's {@code --seccomp-profile}). */
    public static SeccompProfile read(Path file) throws IOException {
        return parseDocker(Files.readString(file));
    }

    private static Rule rule(JsonNode r) {
        List<String> names = strings(r.path("names"));
        if (names.isEmpty() && r.hasNonNull("name")) {
            names = List.of(r.get("name").asText()); // the format's older single-name form
        }
        if (names.isEmpty()) {
            throw bad("seccomp profile: a syscall rule has no names");
        }
        String action = r.path("action").asText("");
        if (!ACTIONS.contains(action)) {
            throw bad("seccomp profile: invalid action \"" + action + "\" for " + names);
        }
        List<Arg> args = new ArrayList<>();
        for (JsonNode a : r.path("args")) {
            String op = a.path("op").asText("");
            if (!OPS.contains(op)) {
                throw bad("seccomp profile: invalid operator \"" + op + "\" for " + names);
            }
            int index = a.path("index").asInt(-1);
            if (index < 0 || index > 5) {
                throw bad("seccomp profile: argument index " + a.path("index") + " out of range 0-5 for " + names);
            }
            args.add(new Arg(index, a.path("value").asLong(), a.path("valueTwo").asLong(), op));
        }
        return new Rule(names, action, errno(r.get("errnoRet")), List.copyOf(args), condition(r.path("includes")),
                condition(r.path("excludes")));
    }

    private static Condition condition(JsonNode c) {
        if (c.isMissingNode() || c.isNull()) {
            return Condition.NONE;
        }
        String min = c.hasNonNull("minKernel") ? c.get("minKernel").asText() : null;
        return new Condition(strings(c.path("caps")), strings(c.path("arches")), min);
    }

    private static Integer errno(JsonNode n) {
        return n == null || n.isNull() ? null : n.asInt();
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : n) {
            out.add(s.asText());
        }
        return List.copyOf(out);
    }

    private static ApiException bad(String msg) {
        return ApiException.badRequest(msg);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** This host's architecture in Go's terms, as profiles name it. */
    public static String hostArch() {
        String a = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> a;
        };
    }

    /** The running kernel's release ({@code 6.1.0-18-amd64}). */
    public static String hostKernel() {
        return Kernel.RELEASE;
    }

    /** Read once: the release cannot change while berthd runs, and every container's spec asks for it. */
    private static final class Kernel {
        static final String RELEASE = readRelease();

        private static String readRelease() {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
            } catch (IOException e) {
                return "0";
            }
        }
    }

    /** The OCI {@code linux.seccomp} for a container holding {@code caps}, on this host. */
    public Map<String, Object> toOci(List<String> caps) {
        return toOci(caps, hostArch(), hostKernel(), KernelAbis.host());
    }

    /**
     * The OCI {@code linux.seccomp} for a container holding {@code caps}, on an {@code arch} host running
     * {@code kernel} built with {@code abis}. Architectures the kernel cannot run are left out, whoever wrote
     * the profile: their part of the filter could never match, and runc would spend ~10 ms compiling it.
     */
    public Map<String, Object> toOci(List<String> caps, String arch, String kernel, KernelAbis abis) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("defaultAction", defaultAction);
        if (defaultErrnoRet != null) {
            out.put("defaultErrnoRet", defaultErrnoRet);
        }
        List<String> arches = archMap.isEmpty() ? architectures : archMap.getOrDefault(arch, List.of());
        out.put("architectures", abis.runnable(arches));
        if (!flags.isEmpty()) {
            out.put("flags", flags);
        }
        List<Map<String, Object>> syscalls = new ArrayList<>();
        for (Rule r : rules) {
            if (!applies(r, caps, arch, kernel)) {
                continue;
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("names", r.names());
            s.put("action", r.action());
            if (r.errnoRet() != null) {
                s.put("errnoRet", r.errnoRet());
            }
            if (!r.args().isEmpty()) {
                List<Map<String, Object>> args = new ArrayList<>();
                for (Arg a : r.args()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("index", a.index());
                    m.put("value", a.value());
                    if (a.valueTwo() != 0) {
                        m.put("valueTwo", a.valueTwo());
                    }
                    m.put("op", a.op());
                    args.add(m);
                }
                s.put("args", args);
            }
            syscalls.add(s);
        }
        out.put("syscalls", syscalls);
        return out;
    }

    static boolean applies(Rule r, List<String> caps, String arch, String kernel) {
        Condition in = r.includes();
        if (!in.arches().isEmpty() && !in.arches().contains(arch)) {
            return false;
        }
        if (!caps.containsAll(in.caps())) {
            return false;
        }
        if (in.minKernel() != null && compareKernel(kernel, in.minKernel()) < 0) {
            return false;
        }
        Condition ex = r.excludes();
        if (ex.arches().contains(arch)) {
            return false;
        }
        return ex.caps().stream().noneMatch(caps::contains);
    }

    /** Compares {@code major.minor} of two kernel releases ({@code 6.1.0-18-amd64} against {@code 4.8}). */
    static int compareKernel(String a, String b) {
        int[] x = majorMinor(a);
        int[] y = majorMinor(b);
        return x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]);
    }

    private static int[] majorMinor(String release) {
        String[] p = release.split("[^0-9]+", 3);
        return new int[] {number(p, 0), number(p, 1)};
    }

    private static int number(String[] parts, int i) {
        try {
            return parts.length > i && !parts[i].isEmpty() ? Integer.parseInt(parts[i]) : 0;
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE; // absurdly long: treat as newer than any condition
        }
    }
}
