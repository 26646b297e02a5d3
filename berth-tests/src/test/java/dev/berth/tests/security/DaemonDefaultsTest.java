package dev.berth.tests.security;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** dockerd's {@code --seccomp-profile} and {@code --no-new-privileges}: daemon-wide defaults a container may override. */
class DaemonDefaultsTest {
    private static final Path PROFILE = profile();

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--no-new-privileges", "--seccomp-profile", PROFILE.toString());

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox:defaults");
    }

    @AfterAll
    static void removeProfile() {
        BerthdFixture.run(java.util.List.of("rm", "-rf", PROFILE.getParent().toString()), null, java.util.Map.of());
    }

    private static Path profile() {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "bit-seccomp-");
            return Files.writeString(dir.resolve("no-mkdir.json"), """
                    {"defaultAction": "SCMP_ACT_ALLOW",
                     "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}""");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CommandResult run(String... args) {
        return berthd.docker(args);
    }

    @Test
    void daemonDefaultsApplyAndContainersOverrideThem() {
        assertThat(berthd.dockerOk("info", "--format", "{{json .SecurityOptions}}").out())
                .isEqualTo("[\"name=seccomp,profile=" + PROFILE + "\",\"name=no-new-privileges\"]");
        assertThat(run("run", "--rm", "busybox:defaults", "grep", "NoNewPrivs:", "/proc/self/status").ok().out()).endsWith("1");
        assertThat(run("run", "--rm", "--security-opt", "no-new-privileges=false", "busybox:defaults", "grep", "NoNewPrivs:",
                "/proc/self/status").ok().out()).endsWith("0");
        CommandResult mkdir = run("run", "--rm", "busybox:defaults", "mkdir", "/tmp/x");
        assertThat(mkdir.exitCode()).isNotZero();
        assertThat(mkdir.stderr()).containsIgnoringCase("not permitted");
        // builtin is berth's own profile, whatever the daemon's default: mkdir is fine, unshare is not
        run("run", "--rm", "--security-opt", "seccomp=builtin", "busybox:defaults", "mkdir", "/tmp/x").ok();
        assertThat(run("run", "--rm", "--security-opt", "seccomp=builtin", "busybox:defaults", "unshare", "-U", "true")
                .exitCode()).isNotZero();
    }
}
