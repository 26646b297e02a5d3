package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;
import dev.berth.oci.IdMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UsernsRemapTest {
    @TempDir
    Path tmp;

    private UsernsRemap.AccountFiles etc(String subuid, String subgid) throws IOException {
        Files.writeString(tmp.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/bash
                alice:x:1000:1000::/home/alice:/bin/sh
                dockremap:x:998:997::/nonexistent:/bin/false
                """);
        Files.writeString(tmp.resolve("group"), """
                root:x:0:
                alice:x:1000:
                dockremap:x:997:
                staff:x:50:
                """);
        Files.writeString(tmp.resolve("subuid"), subuid);
        Files.writeString(tmp.resolve("subgid"), subgid);
        return new UsernsRemap.AccountFiles(tmp.resolve("passwd"), tmp.resolve("group"), tmp.resolve("subuid"), tmp.resolve("subgid"));
    }

    @Test
    void everyFormDockerdTakes() throws IOException {
        var etc = etc("alice:100000:65536\n# comment\n1000:300000:10\ndockremap:165536:65536\n",
                "alice:200000:65536\nstaff:400000:65536\ndockremap:165536:65536\n");
        UsernsRemap byName = UsernsRemap.parse("alice", etc);
        assertThat(byName.user()).isEqualTo("alice");
        assertThat(byName.group()).isEqualTo("alice");
        // lines by name and by numeric UID both count, stacked in host order
        assertThat(byName.ids().uids()).containsExactly(new IdMap.Range(0, 100000, 65536), new IdMap.Range(65536, 300000, 10));
        assertThat(byName.ids().rootGid()).isEqualTo(200000);
        assertThat(UsernsRemap.parse("1000", etc)).isEqualTo(byName);
        UsernsRemap withGroup = UsernsRemap.parse("alice:staff", etc);
        assertThat(withGroup.group()).isEqualTo("staff");
        assertThat(withGroup.ids().rootGid()).isEqualTo(400000);
        assertThat(UsernsRemap.parse("1000:50", etc)).isEqualTo(withGroup);
        assertThat(UsernsRemap.parse("default", etc).user()).isEqualTo("dockremap");
        assertThat(byName.root(Path.of("/var/lib/berth"))).isEqualTo(Path.of("/var/lib/berth/100000.200000"));
    }

    @Test
    void clearErrors() throws IOException {
        var etc = etc("alice:100000:65536\n", "");
        assertThatThrownBy(() -> UsernsRemap.parse("alice", etc)).hasMessageContaining("no subordinate GID ranges for group \"alice\"");
        assertThatThrownBy(() -> UsernsRemap.parse("dockremap", etc)).hasMessageContaining("no subordinate UID ranges for user \"dockremap\"");
        assertThatThrownBy(() -> UsernsRemap.parse("bob", etc)).hasMessageContaining("user \"bob\" not found");
        assertThatThrownBy(() -> UsernsRemap.parse("4242", etc)).hasMessageContaining("UID 4242 has no entry");
        assertThatThrownBy(() -> UsernsRemap.parse("alice:nogroup", etc)).hasMessageContaining("group \"nogroup\" not found");
        assertThatThrownBy(() -> UsernsRemap.parse("root", etc)).hasMessageContaining("root cannot be the remapped root");
        assertThatThrownBy(() -> UsernsRemap.parse("0", etc)).hasMessageContaining("root cannot be the remapped root");
        assertThatThrownBy(() -> UsernsRemap.parse("a:b:c", etc)).hasMessageContaining("expected user[:group] or uid[:gid]");
    }

    @Test
    void theDefaultUsersRangeIsTheFirstFreeBlock() throws IOException {
        assertThat(UsernsRemap.freeStart(etc("", ""))).isEqualTo(100000);
        assertThat(UsernsRemap.freeStart(etc("a:100000:65536\nb:165536:65536\n", "c:300000:10\n"))).isEqualTo(231072);
        assertThat(UsernsRemap.freeStart(etc("a:150000:10\n", ""))).isEqualTo(150010);
    }

    @Test
    void flagAndConfigFileConflict() {
        var file = new ObjectMapper().createObjectNode().put("userns-remap", "berth-no-such-user");
        List<String> conflicts = new ArrayList<>();
        assertThatThrownBy(() -> UsernsRemap.resolve(file, "berth-no-such-user-either", conflicts)).hasMessageContaining("not found");
        assertThat(conflicts).containsExactly("userns-remap");
        assertThat(UsernsRemap.resolve(new ObjectMapper().createObjectNode(), null, new ArrayList<>())).isNull();
    }

    @Test
    void dockerdsRefusalsUnlessTheContainerOptsOut() throws IOException {
        var m = new ObjectMapper();
        assertThatThrownBy(() -> UsernsRemap.check(m.readTree("{\"Privileged\":true}"))).isInstanceOf(ApiException.class)
                .hasMessageContaining("privileged mode is incompatible with user namespaces");
        assertThatThrownBy(() -> UsernsRemap.check(m.readTree("{\"NetworkMode\":\"host\"}")))
                .hasMessageContaining("cannot share the host's network namespace");
        assertThatThrownBy(() -> UsernsRemap.check(m.readTree("{\"PidMode\":\"host\"}")))
                .hasMessageContaining("cannot share the host PID namespace");
        assertThatThrownBy(() -> UsernsRemap.check(m.readTree("{\"UsernsMode\":\"private\"}")))
                .hasMessageContaining("invalid USER mode");
        UsernsRemap.check(m.readTree("{\"Privileged\":true,\"NetworkMode\":\"host\",\"PidMode\":\"host\",\"UsernsMode\":\"host\"}"));
        UsernsRemap.check(m.readTree("{\"NetworkMode\":\"bridge\"}"));
    }
}
