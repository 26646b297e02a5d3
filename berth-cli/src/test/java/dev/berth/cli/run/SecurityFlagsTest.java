package dev.berth.cli.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurityFlagsTest {
    @Test
    void devicesAsDockerSendsThem() {
        assertThat(SecurityFlags.devices(List.of("/dev/null", "/dev/zero:r", "/dev/fuse:/dev/f", "/dev/a:/dev/b:rw")).toString())
                .isEqualTo("[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/null\",\"CgroupPermissions\":\"rwm\"},"
                        + "{\"PathOnHost\":\"/dev/zero\",\"PathInContainer\":\"/dev/zero\",\"CgroupPermissions\":\"r\"},"
                        + "{\"PathOnHost\":\"/dev/fuse\",\"PathInContainer\":\"/dev/f\",\"CgroupPermissions\":\"rwm\"},"
                        + "{\"PathOnHost\":\"/dev/a\",\"PathInContainer\":\"/dev/b\",\"CgroupPermissions\":\"rw\"}]");
        for (String bad : List.of("/dev/a:/dev/b:rwx", "/dev/a:b:r", "/dev/a:/b:r:x", ":/dev/b")) {
            assertThatThrownBy(() -> SecurityFlags.devices(List.of(bad))).as(bad)
                    .isInstanceOf(CreateRequest.InvalidFlagException.class).hasMessageContaining("bad format");
        }
    }

    @Test
    void cgroupRulesAreChecked() {
        assertThat(SecurityFlags.deviceCgroupRules(List.of("c 1:3 rwm", "b *:* m"))).hasSize(2);
        assertThatThrownBy(() -> SecurityFlags.deviceCgroupRules(List.of("c 1:3")))
                .hasMessageContaining("invalid device cgroup format");
    }

    @Test
    void seccompFilesTravelAsTheirContent(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("p.json");
        Files.writeString(p, "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n");
        assertThat(SecurityFlags.securityOpts(List.of("seccomp=" + p, "seccomp=unconfined", "no-new-privileges",
                "apparmor=x", "label:disable")))
                .containsExactly("seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "seccomp=unconfined", "no-new-privileges",
                        "apparmor=x", "label:disable");
        assertThatThrownBy(() -> SecurityFlags.securityOpts(List.of("seccomp=" + dir.resolve("missing.json"))))
                .hasMessageContaining("opening seccomp profile");
        assertThatThrownBy(() -> SecurityFlags.securityOpts(List.of("bogus"))).hasMessageContaining("Invalid --security-opt");
    }
}
