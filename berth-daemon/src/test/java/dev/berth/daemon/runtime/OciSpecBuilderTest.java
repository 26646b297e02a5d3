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
        // with AppArmor, a container that names no profile runs under berth's own
        Map<String, Object> plain = withLsm.build(spec("bridge", false, false, RuntimeSpec.Resources.NONE, null, null));
        assertThat((Object) at(plain, "process", "apparmorProfile")).isEqualTo("berth-default");
        Map<String, Object> lifted = withLsm.build(spec("bridge", false, false, RuntimeSpec.Resources.NONE, null, null)
                .withConfinement(dev.berth.daemon.security.Confinement.of(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree("{\"SecurityOpt\":[\"apparmor=unconfined\"]}"))));
        assertThat((Object) at(lifted, "process", "apparmorProfile")).isEqualTo("unconfined");
        assertThat((Object) at(new OciSpecBuilder(Map.of(), new dev.berth.daemon.security.HostSecurity.Modules(false, false))
                .build(spec("bridge", false, false, RuntimeSpec.Resources.NONE, null, null)), "process", "apparmorProfile")).isNull();
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
        assertThat((Map<String, String>) at(s, "linux", "sysctl")).doesNotContainKeys("net.ipv4.ip_unprivileged_port_start");
    }

    @Test
    void onlyANetworkNamespaceOfItsOwnGetsDockersNetworkSysctls() {
        String id = "a".repeat(64);
        Map<String, Object> own = new OciSpecBuilder(Map.of()).build(spec("/run/berth/netns/" + id, false, false,
                RuntimeSpec.Resources.NONE, null, null));
        assertThat((Map<String, String>) at(own, "linux", "sysctl")).containsEntry("net.ipv4.ip_unprivileged_port_start", "0")
                .containsEntry("net.ipv4.ping_group_range", "0 2147483647");
        // --network container:other joins a namespace that is not this container's to tune
        Map<String, Object> joined = new OciSpecBuilder(Map.of()).build(spec("/run/berth/netns/" + "b".repeat(64), false, false,
                RuntimeSpec.Resources.NONE, null, null));
        assertThat((Map<String, String>) at(joined, "linux", "sysctl")).containsOnlyKeys("net.ipv4.ip_forward");
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
        // dockerd's defaults for a network namespace of the container's own, then its --sysctl
        assertThat((Object) at(s, "linux", "sysctl")).isEqualTo(Map.of("net.ipv4.ip_forward", "1",
                "net.ipv4.ping_group_range", "0 2147483647", "net.ipv4.ip_unprivileged_port_start", "0"));
        assertThat((List<String>) at(s, "process", "env")).containsExactly("HOSTNAME=h1", "TERM=xterm", "PATH=/bin", "A=2");
        List<Map<String, Object>> rl = at(s, "process", "rlimits");
        assertThat(rl).anySatisfy(r -> assertThat(r).containsEntry("type", "RLIMIT_NPROC").containsEntry("soft", 10L).containsEntry("hard", 20L));
        assertThat((Object) at(s, "process", "terminal")).isEqualTo(true);
    }

    @Test
    void aRemappedContainerGetsAUserNamespaceWithItsMaps() throws Exception {
        var ids = dev.berth.oci.IdMap.fromSubordinate(List.of(new long[] {100000, 65536}), List.of(new long[] {200000, 65536}));
        var remap = new dev.berth.daemon.security.UsernsRemap("u", "u", ids);
        var daemon = new dev.berth.daemon.security.DaemonSecurity(dev.berth.daemon.security.ApiAccess.DEFAULT,
                dev.berth.daemon.security.ContainerDefaults.DEFAULT, remap);
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        // a network namespace runc makes (--network none): a new user namespace, sysfs of its own
        RuntimeSpec rs = spec("none", false, false, RuntimeSpec.Resources.NONE, null, null)
                .withConfinement(dev.berth.daemon.security.Confinement.of(m.readTree("{}"), daemon));
        Map<String, Object> s = new OciSpecBuilder(Map.of()).build(rs);
        List<Map<String, Object>> ns = at(s, "linux", "namespaces");
        assertThat(ns).contains(Map.of("type", "user"));
        assertThat((List<Object>) at(s, "linux", "uidMappings")).containsExactly(Map.of("containerID", 0L, "hostID", 100000L, "size", 65536L));
        assertThat((List<Object>) at(s, "linux", "gidMappings")).containsExactly(Map.of("containerID", 0L, "hostID", 200000L, "size", 65536L));
        List<Map<String, Object>> mounts = at(s, "mounts");
        assertThat(mounts.stream().filter(x -> x.get("destination").equals("/sys")).findFirst().orElseThrow().get("type")).isEqualTo("sysfs");
        // one berthd made outside any container's user namespace: the host's /sys, read-only
        Map<String, Object> joined = new OciSpecBuilder(Map.of()).build(spec("/run/somewhere/netns/x", false, false,
                RuntimeSpec.Resources.NONE, null, null).withConfinement(dev.berth.daemon.security.Confinement.of(m.readTree("{}"), daemon)));
        Map<String, Object> sys = ((List<Map<String, Object>>) at(joined, "mounts")).stream()
                .filter(x -> x.get("destination").equals("/sys")).findFirst().orElseThrow();
        assertThat(sys.get("type")).isEqualTo("bind");
        assertThat((List<String>) sys.get("options")).contains("ro", "rbind", "nosuid");
        // --userns=host: no user namespace
        Map<String, Object> host = new OciSpecBuilder(Map.of()).build(spec("none", false, false, RuntimeSpec.Resources.NONE, null, null)
                .withConfinement(dev.berth.daemon.security.Confinement.of(m.readTree("{\"UsernsMode\":\"host\"}"), daemon)));
        assertThat(((List<Map<String, Object>>) at(host, "linux", "namespaces")).stream().map(n -> n.get("type"))).doesNotContain("user");
        assertThat((Object) at(host, "linux", "uidMappings")).isNull();
    }
}
