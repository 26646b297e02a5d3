package dev.berth.tests.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The seccomp filter berthd hands runc covers the ABIs this kernel runs and no others: the x32 ABI only
 * where the kernel was built with it, i386 always. Read from the config.json berthd writes and runc's own
 * state (what {@code runc exec} applies), against the kernel's configuration read here with zcat.
 */
class SeccompArchitecturesTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> RUNC_NAMES = Map.of("SCMP_ARCH_X86_64", "amd64", "SCMP_ARCH_X86", "x86",
            "SCMP_ARCH_X32", "x32");

    @BeforeAll
    static void image() {
        assumeTrue(List.of("amd64", "x86_64").contains(System.getProperty("os.arch")), "x86-64 host");
        berthd.importBusybox("busybox:arch");
    }

    /** What the host kernel runs, from its build configuration: x32 is absent only where it says so. */
    private static List<String> hostAbis() {
        CommandResult config = BerthdFixture.run(List.of("sh", "-c",
                "zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r) 2>/dev/null"), null, Map.of());
        List<String> lines = config.stdout().lines().toList();
        boolean x32Set = lines.contains("CONFIG_X86_X32_ABI=y") || lines.contains("CONFIG_X86_X32=y");
        boolean x32NotSet = lines.contains("# CONFIG_X86_X32_ABI is not set") || lines.contains("# CONFIG_X86_X32 is not set");
        List<String> abis = new ArrayList<>(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"));
        if (x32Set || !x32NotSet) {
            abis.add("SCMP_ARCH_X32");
        }
        return abis;
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(s -> out.add(s.asText()));
        return out;
    }

    private static JsonNode bundleSeccomp(String id) throws IOException {
        return JSON.readTree(Files.readString(berthd.execRoot().resolve("containers").resolve(id).resolve("config.json")))
                .path("linux").path("seccomp");
    }

    /** The filter runc keeps in its state for the container: what {@code runc exec} loads for a new process. */
    private static JsonNode runcStateSeccomp(String id) throws IOException {
        return JSON.readTree(Files.readString(berthd.execRoot().resolve("runc").resolve(id).resolve("state.json")))
                .path("config").path("seccomp");
    }

    @Test
    void defaultProfileCoversTheHostsAbisAndStillRefuses() throws IOException {
        List<String> expected = hostAbis();
        String id = berthd.dockerOk("run", "-d", "busybox:arch", "sleep", "300").out();
        try {
            assertThat(strings(bundleSeccomp(id).path("architectures"))).containsExactlyElementsOf(expected);
            // runc keeps libseccomp's short names (amd64, x86, x32)
            assertThat(strings(runcStateSeccomp(id).path("architectures"))).containsExactlyElementsOf(
                    expected.stream().map(RUNC_NAMES::get).toList());
            // the container runs, and exec'd processes carry the same filter
            assertThat(berthd.dockerOk("exec", id, "grep", "Seccomp:", "/proc/self/status").out()).endsWith("2");
            assertThat(berthd.dockerOk("exec", id, "echo", "alive").out()).isEqualTo("alive");
            CommandResult unshare = berthd.docker("exec", id, "unshare", "-U", "true");
            assertThat(unshare.exitCode()).as(unshare.toString()).isNotZero();
            assertThat(unshare.stderr()).containsIgnoringCase("operation not permitted");
            CommandResult mount = berthd.docker("exec", id, "sh", "-c", "mkdir -p /mnt && mount -t tmpfs none /mnt");
            assertThat(mount.exitCode()).as(mount.toString()).isNotZero();
        } finally {
            berthd.docker("rm", "-f", id);
        }
        // a fresh container (not only exec) is refused the same way
        CommandResult run = berthd.docker("run", "--rm", "busybox:arch", "unshare", "-U", "true");
        assertThat(run.exitCode()).as(run.toString()).isNotZero();
    }

    @Test
    void aUserProfileNamingX32FollowsTheSameRule() throws IOException {
        Path p = berthd.dir().resolve("x32-profile.json");
        Files.writeString(p, """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}""");
        String id = berthd.dockerOk("run", "-d", "--security-opt", "seccomp=" + p, "busybox:arch", "sleep", "300").out();
        try {
            assertThat(strings(bundleSeccomp(id).path("architectures"))).containsExactlyElementsOf(hostAbis());
            CommandResult mkdir = berthd.docker("exec", id, "mkdir", "/tmp/x");
            assertThat(mkdir.exitCode()).isNotZero();
            assertThat(mkdir.stderr()).containsIgnoringCase("permission denied");
            berthd.dockerOk("exec", id, "touch", "/tmp/y");
        } finally {
            berthd.docker("rm", "-f", id);
        }
    }

    @Test
    void unconfinedHasNoFilter() throws IOException {
        String id = berthd.dockerOk("create", "--security-opt", "seccomp=unconfined", "busybox:arch", "true").out();
        try {
            berthd.dockerOk("start", "-a", id);
            assertThat(bundleSeccomp(id).isMissingNode()).isTrue();
        } finally {
            berthd.docker("rm", "-f", id);
        }
    }
}
