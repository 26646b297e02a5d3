package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainerDefaultsTest {
    private static final ObjectMapper M = new ObjectMapper();

    @Test
    void builtinUnconfinedOrAFile(@TempDir Path dir) throws Exception {
        List<String> conflicts = new ArrayList<>();
        ContainerDefaults d = ContainerDefaults.resolve(M.createObjectNode(), null, null, conflicts);
        assertThat(d.seccomp()).isSameAs(SeccompProfile.builtin());
        assertThat(HostSecurity.securityOptions(d)).containsExactly("name=seccomp,profile=builtin");
        ContainerDefaults u = ContainerDefaults.resolve(M.readTree("{\"seccomp-profile\":\"unconfined\",\"no-new-privileges\":true}"),
                null, null, conflicts);
        assertThat(u.seccomp()).isNull();
        assertThat(HostSecurity.securityOptions(u)).containsExactly("name=seccomp,profile=unconfined", "name=no-new-privileges");
        assertThat(SecurityOpts.parse(List.of(), u).noNewPrivileges()).isTrue();
        assertThat(SecurityOpts.parse(List.of("no-new-privileges=false"), u).noNewPrivileges()).isFalse();
        assertThat(SecurityOpts.parse(List.of("seccomp=builtin"), u).seccomp()).isSameAs(SeccompProfile.builtin());
        Path p = Files.writeString(dir.resolve("p.json"), "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
        ContainerDefaults f = ContainerDefaults.resolve(M.createObjectNode(), p.toString(), true, conflicts);
        assertThat(f.seccompName()).isEqualTo(p.toString());
        assertThat(f.seccomp().toOci(List.of())).containsEntry("defaultAction", "SCMP_ACT_LOG");
        assertThat(conflicts).isEmpty();
        assertThatThrownBy(() -> ContainerDefaults.resolve(M.createObjectNode(), dir.resolve("none.json").toString(), null,
                conflicts)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"defaultAction\":\"NOPE\"}");
        assertThatThrownBy(() -> ContainerDefaults.resolve(M.createObjectNode(), bad.toString(), null, conflicts))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("defaultAction");
        ContainerDefaults.resolve(M.readTree("{\"no-new-privileges\":true}"), null, false, conflicts);
        assertThat(conflicts).containsExactly("no-new-privileges");
    }
}
