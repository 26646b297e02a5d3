package dev.berth.daemon.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The generated {@code berth-default} profile. These machines have no AppArmor in the kernel, so no
 * container runs under it here; what is checked is the text, and that the real apparmor_parser compiles it.
 */
class AppArmorProfileTest {
    private static final AppArmorProfile.Host FULL = new AppArmorProfile.Host(true, true, true);

    @TempDir
    Path tmp;

    @Test
    void saysWhatTheProfileMustDenyAndAllow() {
        String t = AppArmorProfile.text(FULL);
        List<String> lines = t.lines().map(String::strip).toList();
        assertThat(lines).contains("abi <abi/3.0>,", "#include <tunables/global>",
                "profile berth-default flags=(attach_disconnected,mediate_deleted) {", "#include <abstractions/base>",
                "network,", "capability,", "file,", "umount,", "deny mount,",
                "signal (receive) peer=unconfined,", "signal (send,receive) peer=berth-default,",
                "ptrace (trace,read,tracedby,readby) peer=berth-default,",
                "deny @{PROC}/* w,", "deny @{PROC}/sysrq-trigger rwklx,", "deny @{PROC}/kcore rwklx,",
                "deny /sys/firmware/** rwklx,", "deny /sys/kernel/security/** rwklx,", "}");
        assertThat(t).doesNotContain("docker");
    }

    @Test
    void withoutTheHostsIncludesItDefinesProcItself() {
        String t = AppArmorProfile.text(new AppArmorProfile.Host(false, false, false));
        assertThat(t).contains("@{PROC}=/proc/").doesNotContain("#include").doesNotContain("abi <");
    }

    /** Which of the deny rules' globs match {@code path}: AppArmor's globbing, enough of it for these rules. */
    private static boolean denied(String path, String perm) {
        for (String line : AppArmorProfile.text(FULL).lines().map(String::strip).toList()) {
            if (!line.startsWith("deny /") && !line.startsWith("deny @{PROC}")) {
                continue;
            }
            String[] f = line.substring(5, line.length() - 1).split(" ");
            if (f[1].contains(perm) && path.matches(glob(f[0].replace("@{PROC}", "/proc")))) {
                return true;
            }
        }
        return false;
    }

    private static String glob(String g) {
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
                r.append(".*");
                i++;
            } else if (c == '*') {
                r.append("[^/]*");
            } else if (c == '?') {
                r.append("[^/]");
            } else if (c == '[') {
                int end = g.indexOf(']', i);
                r.append('[').append(g, i + 1, end).append(']').append("(?<=[^/])");
                i = end;
            } else {
                r.append(java.util.regex.Pattern.quote(String.valueOf(c)));
            }
        }
        return r.toString();
    }

    @Test
    void writesReachOnlyTheProcessesOwnFilesTheShmLimitsAndTheCgroupTree() {
        for (String ok : List.of("/proc/1/attr/current", "/proc/42/oom_score_adj", "/proc/sys/kernel/shmmax",
                "/proc/sys/kernel/shm_rmid_forced", "/sys/fs/cgroup/memory.max")) {
            assertThat(denied(ok, "w")).as(ok).isFalse();
        }
        for (String no : List.of("/proc/sysrq-trigger", "/proc/sys/kernel/hostname", "/proc/sys/net/ipv4/ip_forward",
                "/proc/sys/vm/drop_caches", "/proc/sysvipc/shm", "/proc/irq/1/smp_affinity", "/proc/acpi/x",
                "/proc/sys/kernel/sh", "/proc/sys/kernelx/y", "/sys/kernel/mm/x", "/sys/fs/ext4/x",
                "/sys/fs/cgroupx/y", "/sys/class/net/eth0/mtu", "/sys/firmware/efi/x")) {
            assertThat(denied(no, "w")).as(no).isTrue();
        }
        assertThat(denied("/proc/kcore", "r")).isTrue();
        assertThat(denied("/proc/1/status", "r")).isFalse();
        assertThat(denied("/sys/class/net/eth0/mtu", "r")).isFalse();
    }

    @Test
    void theRealParserCompilesIt() throws IOException, InterruptedException {
        String parser = AppArmorProfile.parser();
        assumeTrue(Files.isExecutable(Path.of(parser)), "apparmor_parser is not installed");
        Path f = Files.writeString(tmp.resolve(AppArmorProfile.NAME), AppArmorProfile.text(AppArmorProfile.Host.of(Path.of("/etc/apparmor.d"))));
        // -Q: compile only, no kernel needed; -S: the binary policy to stdout
        Process p = new ProcessBuilder(parser, "-Q", "-K", "-S", f.toString()).redirectError(tmp.resolve("err").toFile()).start();
        byte[] policy = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as(Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8)).isZero();
        assertThat(policy).isNotEmpty();
    }
}
