package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OciSpecBuilderTest {
    private static RuntimeSpec spec(String network, boolean privileged, boolean tty, RuntimeSpec.Resources res,
                                    Map<String, long[]> ulimits, List<String> env) {
        return new RuntimeSpec("a".repeat(64), Path.of("/r"), List.of("sh"), env, "", UserResolver.User.ROOT, "h1", "",
                tty, null, false, privileged, true, null, null, network, 0, ulimits, res, "/berth/x", Path.of("/c/hosts"),
                Path.of("/c/hostname"), Path.of("/c/resolv.conf"),
                new RuntimeSpec.Tuning(Map.of("net.ipv4.ip_forward", "1"), 0));
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> m, String... path) {
        Object o = m;
        for (String p : path) {
            o = ((Map<String, Object>) o).get(p);
        }
        return (T) o;
    }

    @Test
    void processFileIsTheSpecsProcess(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        OciSpecBuilder b = new OciSpecBuilder(Map.of());
        RuntimeSpec s = spec("bridge", false, true, RuntimeSpec.Resources.NONE, Map.of("nproc", new long[] {10, 20}), List.of("A=1"));
        b.writeProcess(s, dir.resolve("p.json"));
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        // as text: the tree read back holds ints where the built map holds longs
        assertThat(mapper.readTree(dir.resolve("p.json").toFile()).toString()).isEqualTo(mapper.writeValueAsString(b.build(s).get("process")));
    }

    @Test
    void defaultsAreDockers() {
        Map<String, Object> s = new OciSpecBuilder(Map.of()).build(spec("bridge", false, false, RuntimeSpec.Resources.NONE, null, null));
        List<Map<String, Object>> ns = at(s, "linux", "namespaces");
        assertThat(ns.stream().map(n -> n.get("type")).toList()).containsExactlyInAnyOrder("mount", "network", "uts", "pid", "ipc");
        assertThat((List<String>) at(s, "process", "capabilities", "bounding")).containsExactlyElementsOf(Capabilities.DEFAULTS);
        assertThat((List<String>) at(s, "linux", "maskedPaths")).contains("/proc/kcore", "/sys/firmware");
        assertThat((List<String>) at(s, "linux", "readonlyPaths")).contains("/proc/sys", "/proc/sysrq-trigger");
        assertThat((List<String>) at(s, "process", "env")).containsExactly(OciSpecBuilder.DEFAULT_PATH, "HOSTNAME=h1");
        assertThat((Object) at(s, "hooks")).isNull(); // runc itself brings lo up: no extra processes per start
        List<Map<String, Object>> mounts = at(s, "mounts");
        Map<String, Object> shm = mounts.stream().filter(m -> m.get("destination").equals("/dev/shm")).findFirst().orElseThrow();
        assertThat((List<String>) shm.get("options")).contains("size=67108864");
        List<Map<String, Object>> rl = at(s, "process", "rlimits");
        long[] host = OciSpecBuilder.hostNofileLimit();
        Map<String, Object> nofile = rl.stream().filter(r -> r.get("type").equals("RLIMIT_NOFILE")).findFirst().orElseThrow();
        assertThat((Long) nofile.get("hard")).isLessThanOrEqualTo(host == null ? Long.MAX_VALUE : host[1]);
        assertThat((Object) at(s, "linux", "cgroupsPath")).isEqualTo("/berth/x");
        assertThat((Object) at(s, "linux", "seccomp", "defaultAction")).isEqualTo("SCMP_ACT_ERRNO");
        List<Map<String, Object>> rules = at(s, "linux", "seccomp", "syscalls");
        assertThat(rules.stream().flatMap(r -> ((List<String>) r.get("names")).stream()))
                .contains("read", "clone").doesNotContain("mount", "kexec_load", "keyctl");
        assertThat((Object) at(s, "process", "noNewPrivileges")).isEqualTo(false);
    }

    @Test
    void confinementReachesTheSpec() throws Exception {
        var hc = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"SecurityOpt":["no-new-privileges"],"DeviceCgroupRules":["c 42:* rm"],
                 "Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/other","CgroupPermissions":"r"}]}""");
        RuntimeSpec rs = spec("bridge", false, false, RuntimeSpec.Resources.NONE, null, null)
                .withConfinement(dev.berth.daemon.security.Confinement.of(hc));
        Map<String, Object> s = new OciSpecBuilder(Map.of()).build(rs);
        assertThat((Object) at(s, "process", "noNewPrivileges")).isEqualTo(true);
        assertThat((Object) at(s, "process", "apparmorProfile")).isNull(); // no AppArmor on this host
        List<Map<String, Object>> devs = at(s, "linux", "devices");
        assertThat(devs).singleElement().satisfies(d -> assertThat(d).containsEntry("path", "/dev/other")
                .containsEntry("type", "c").containsEntry("major", 1L).containsEntry("minor", 3L));
        List<Map<String, Object>> rules = at(s, "linux", "resources", "devices");
        assertThat(rules).contains(Map.of("allow", true, "type", "c", "major", 1L, "minor", 3L, "access", "r"),
                Map.of("allow", true, "type", "c", "major", 42L, "access", "rm"));
        assertThat(rules.getFirst()).containsEntry("allow", false); // deny-all first, then the allowed ones
        var labelled = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"SecurityOpt":["apparmor=my-profile","label=type:svirt_t"]}""");
        var withLsm = new OciSpecBuilder(Map.of(), new dev.berth.daemon.security.HostSecurity.Modules(true, true));
        Map<String, Object> l = withLsm.build(spec("bridge", false, false, RuntimeSpec.Resources.NONE, null, null)
                .withConfinement(dev.berth.daemon.security.Confinement.of(labelled)));
        assertThat((Object) at(l, "process", "apparmorProfile")).isEqualTo("my-profile");
        assertThat((Object) at(l, "process", "selinuxLabel")).isEqualTo("system_u:system_r:svirt_t:s0");
        Map<String, Object> none = new OciSpecBuilder(Map.of(), new dev.berth.daemon.security.HostSecurity.Modules(false, false))
                .build(spec("bridge", false, false, RuntimeSpec.Resources.NONE, null, null)
                        .withConfinement(dev.berth.daemon.security.Confinement.of(labelled)));
        assertThat((Object) at(none, "process", "apparmorProfile")).isNull();
        assertThat((Object) at(none, "process", "selinuxLabel")).isNull();
        Map<String, Object> priv = withLsm.build(spec("bridge", true, false, RuntimeSpec.Resources.NONE, null, null));
        assertThat((Object) at(priv, "process", "apparmorProfile")).isEqualTo("unconfined");
        var unconfined = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"SecurityOpt":["seccomp=unconfined"]}""");
        Map<String, Object> u = new OciSpecBuilder(Map.of()).build(spec("bridge", false, false, RuntimeSpec.Resources.NONE,
                null, null).withConfinement(dev.berth.daemon.security.Confinement.of(unconfined)));
        assertThat((Object) at(u, "linux", "seccomp")).isNull();
        assertThat((List<String>) at(u, "linux", "maskedPaths")).contains("/proc/kcore");
    }

    @Test
    void hostNetworkHasNoNetworkNamespace() {
        Map<String, Object> s = new OciSpecBuilder(Map.of()).build(spec("host", false, false, RuntimeSpec.Resources.NONE, null, null));
        List<Map<String, Object>> ns = at(s, "linux", "namespaces");
        assertThat(ns.stream().map(n -> n.get("type")).toList()).doesNotContain("network");
        assertThat((Object) at(s, "hooks")).isNull();
    }

    @Test
    void privilegedGetsEverything() {
        Map<String, Object> s = new OciSpecBuilder(Map.of()).build(spec("bridge", true, false, RuntimeSpec.Resources.NONE, null, null));
        assertThat((List<String>) at(s, "process", "capabilities", "bounding")).containsExactlyElementsOf(Capabilities.all());
        assertThat((Object) at(s, "linux", "maskedPaths")).isNull();
        assertThat((Object) at(s, "linux", "seccomp")).isNull();
        List<Map<String, Object>> dev = at(s, "linux", "resources", "devices");
        assertThat(dev.getFirst()).containsEntry("allow", true).containsEntry("access", "rwm");
    }

    @Test
    void limitsAndEnvironment() {
        var res = new RuntimeSpec.Resources(32 << 20, 0, 1_500_000_000L, 512, 0, 0, 50, 16 << 20, "0", null, 0, false);
        Map<String, Object> s = new OciSpecBuilder(Map.of()).build(spec("none", false, true, res,
                Map.of("nproc", new long[] {10, 20}), List.of("PATH=/bin", "A=1", "A=2")));
        assertThat((Object) at(s, "linux", "resources", "cpu", "quota")).isEqualTo(150_000L);
        assertThat((Object) at(s, "linux", "resources", "cpu", "period")).isEqualTo(100_000L);
        assertThat((Object) at(s, "linux", "resources", "cpu", "shares")).isEqualTo(512L);
        assertThat((Object) at(s, "linux", "resources", "pids", "limit")).isEqualTo(50L);
        assertThat((Object) at(s, "linux", "resources", "memory", "limit")).isEqualTo((long) (32 << 20));
        assertThat((Object) at(s, "linux", "resources", "memory", "reservation")).isEqualTo((long) (16 << 20));
        assertThat((Object) at(s, "linux", "resources", "cpu", "cpus")).isEqualTo("0");
        assertThat((Object) at(s, "linux", "sysctl")).isEqualTo(Map.of("net.ipv4.ip_forward", "1"));
        assertThat((List<String>) at(s, "process", "env")).containsExactly("HOSTNAME=h1", "TERM=xterm", "PATH=/bin", "A=2");
        List<Map<String, Object>> rl = at(s, "process", "rlimits");
        assertThat(rl).anySatisfy(r -> assertThat(r).containsEntry("type", "RLIMIT_NPROC").containsEntry("soft", 10L).containsEntry("hard", 20L));
        assertThat((Object) at(s, "process", "terminal")).isEqualTo(true);
    }
}
