package dev.berth.daemon.security;

import dev.berth.daemon.api.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeccompProfileTest {
    private static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules(Map<String, Object> oci) {
        return (List<Map<String, Object>>) oci.get("syscalls");
    }

    /** Names allowed outright (an ALLOW rule without argument conditions). */
    @SuppressWarnings("unchecked")
    private static Set<String> allowed(Map<String, Object> oci) {
        return rules(oci).stream().filter(r -> r.get("action").equals("SCMP_ACT_ALLOW") && !r.containsKey("args"))
                .flatMap(r -> ((List<String>) r.get("names")).stream()).collect(Collectors.toSet());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rulesFor(Map<String, Object> oci, String name) {
        return rules(oci).stream().filter(r -> ((List<String>) r.get("names")).contains(name)).toList();
    }

    @Test
    void defaultIsAnAllowListThatRefusesTheKernelsGlobalState() {
        Map<String, Object> oci = SeccompProfile.builtin().toOci(DEFAULT_CAPS, "amd64", "6.1.0-18-amd64", KernelAbis.ALL);
        assertThat(oci).containsEntry("defaultAction", "SCMP_ACT_ERRNO").containsEntry("defaultErrnoRet", 1);
        assertThat((List<String>) oci.get("architectures"))
                .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        Set<String> ok = allowed(oci);
        assertThat(ok).hasSizeGreaterThan(340).contains("read", "write", "openat", "execve", "futex", "epoll_wait", "arch_prctl", "chroot", "getrandom",
                "ptrace", "io_uring_setup", "modify_ldt");
        for (String refused : List.of("kexec_load", "kexec_file_load", "open_by_handle_at", "init_module",
                "finit_module", "delete_module", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "mount",
                "umount2", "unshare", "setns", "pivot_root", "reboot", "swapon", "settimeofday", "clock_settime",
                "sethostname", "syslog", "acct", "iopl", "userfaultfd", "lookup_dcookie", "uselib", "vm86")) {
            assertThat(rulesFor(oci, refused)).as(refused).isEmpty();
        }
        assertThat(rulesFor(oci, "riscv_flush_icache")).isEmpty(); // another architecture's
    }

    @Test
    void cloneWithoutSysAdminIsFilteredOnNamespaceFlags() {
        Map<String, Object> oci = SeccompProfile.builtin().toOci(DEFAULT_CAPS, "amd64", "6.1", KernelAbis.ALL);
        List<Map<String, Object>> clone = rulesFor(oci, "clone");
        assertThat(clone).hasSize(1);
        assertThat(clone.getFirst()).containsEntry("action", "SCMP_ACT_ALLOW");
        assertThat(clone.getFirst().get("args")).isEqualTo(List.of(Map.of("index", 0, "value", 0x7E020000L,
                "op", "SCMP_CMP_MASKED_EQ")));
        assertThat(rulesFor(oci, "clone3")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("action", "SCMP_ACT_ERRNO").containsEntry("errnoRet", 38));
        assertThat(rulesFor(oci, "personality")).hasSize(5).allSatisfy(r -> assertThat(r).containsKey("args"));
        assertThat(rulesFor(oci, "socket")).singleElement().satisfies(r -> assertThat(r.get("args"))
                .isEqualTo(List.of(Map.of("index", 0, "value", 40L, "op", "SCMP_CMP_NE"))));
    }

    @Test
    void capabilitiesOpenTheirSyscalls() {
        List<String> caps = new java.util.ArrayList<>(DEFAULT_CAPS);
        caps.addAll(List.of("CAP_SYS_ADMIN", "CAP_SYS_TIME", "CAP_SYS_MODULE", "CAP_DAC_READ_SEARCH"));
        Map<String, Object> oci = SeccompProfile.builtin().toOci(caps, "amd64", "6.1", KernelAbis.ALL);
        assertThat(allowed(oci)).contains("mount", "umount2", "unshare", "setns", "clone", "clone3", "bpf",
                "perf_event_open", "settimeofday", "init_module", "open_by_handle_at", "sethostname");
        assertThat(rulesFor(oci, "clone3")).allSatisfy(r -> assertThat(r).containsEntry("action", "SCMP_ACT_ALLOW"));
        assertThat(rulesFor(oci, "kexec_load")).isEmpty(); // no capability opens it
        assertThat(rulesFor(oci, "keyctl")).isEmpty();
    }

    @Test
    void archAndKernelConditions() {
        Map<String, Object> arm = SeccompProfile.builtin().toOci(DEFAULT_CAPS, "arm64", "6.1", KernelAbis.ALL);
        assertThat((List<String>) arm.get("architectures")).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        assertThat(allowed(arm)).contains("set_tls").doesNotContain("arch_prctl");
        Map<String, Object> old = SeccompProfile.builtin().toOci(DEFAULT_CAPS, "amd64", "4.4.0", KernelAbis.ALL);
        assertThat(rulesFor(old, "ptrace")).isEmpty(); // before 4.8 ptrace could escape seccomp
        assertThat(SeccompProfile.compareKernel("4.10.1", "4.8")).isPositive();
        assertThat(SeccompProfile.compareKernel("3.99999999999", "4.8")).isNegative();
    }

    @Test
    void dockerFormatProfilesAreEvaluatedTheSameWay() {
        String json = """
                {"defaultAction":"SCMP_ACT_ALLOW",
                 "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
                 "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
                             {"name":"chmod","action":"SCMP_ACT_ERRNO","excludes":{"caps":["CAP_FOWNER"]}}]}""";
        SeccompProfile p = SeccompProfile.parseDocker(json);
        Map<String, Object> oci = p.toOci(List.of(), "amd64", "6.1", KernelAbis.ALL);
        assertThat(oci).containsEntry("defaultAction", "SCMP_ACT_ALLOW").doesNotContainKey("defaultErrnoRet");
        assertThat((List<String>) oci.get("architectures")).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
        assertThat(rules(oci)).hasSize(2);
        assertThat(rules(p.toOci(List.of("CAP_FOWNER"), "amd64", "6.1", KernelAbis.ALL))).hasSize(1);
        Map<String, Object> flat = SeccompProfile.parseDocker("""
                {"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[]}""")
                .toOci(List.of(), "amd64", "6.1", KernelAbis.ALL);
        assertThat((List<String>) flat.get("architectures")).containsExactly("SCMP_ARCH_X86_64");
    }

    private static final KernelAbis NO_X32 = new KernelAbis(false);

    @SuppressWarnings("unchecked")
    private static List<String> arches(Map<String, Object> oci) {
        return (List<String>) oci.get("architectures");
    }

    @Test
    void defaultProfileLeavesOutTheX32AbiOnlyWhereTheKernelLacksIt() {
        SeccompProfile p = SeccompProfile.builtin();
        Map<String, Object> with = p.toOci(DEFAULT_CAPS, "amd64", "6.18", KernelAbis.ALL);
        Map<String, Object> without = p.toOci(DEFAULT_CAPS, "amd64", "6.18", NO_X32);
        assertThat(arches(with)).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        // i386 programs still run on such a kernel: their ABI stays filtered
        assertThat(arches(without)).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
        assertThat(rules(without)).isEqualTo(rules(with)); // only the architectures differ
        assertThat(without).containsEntry("defaultAction", "SCMP_ACT_ERRNO").containsEntry("defaultErrnoRet", 1);
        assertThat(arches(p.toOci(DEFAULT_CAPS, "arm64", "6.18", NO_X32))).containsExactly("SCMP_ARCH_AARCH64",
                "SCMP_ARCH_ARM");
    }

    @Test
    void customProfilesFollowTheSameRule() {
        SeccompProfile mapped = SeccompProfile.parseDocker("""
                {"defaultAction":"SCMP_ACT_ERRNO",
                 "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}],
                 "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}""");
        assertThat(arches(mapped.toOci(List.of(), "amd64", "6.1", KernelAbis.ALL)))
                .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(arches(mapped.toOci(List.of(), "amd64", "6.1", NO_X32)))
                .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
        SeccompProfile flat = SeccompProfile.parseDocker("""
                {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X32","SCMP_ARCH_X86"],
                 "syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}""");
        assertThat(arches(flat.toOci(List.of(), "amd64", "6.1", NO_X32)))
                .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
        assertThat(arches(flat.toOci(List.of(), "amd64", "6.1", KernelAbis.ALL)))
                .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86");
    }

    @Test
    void badProfilesAre400() {
        for (String bad : List.of("{", "[]", "{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],\"action\":\"BOOM\"}]}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\"}]}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],\"action\":\"SCMP_ACT_ERRNO\","
                        + "\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                        + "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}")) {
            assertThatThrownBy(() -> SeccompProfile.parseDocker(bad)).as(bad).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
        }
    }
}
