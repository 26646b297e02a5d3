package dev.berth.daemon.runtime;

import dev.berth.daemon.api.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CapabilitiesTest {
    @Test
    void addAndDropWithOrWithoutPrefix() {
        List<String> caps = Capabilities.effective(false, List.of("net_admin"), List.of("CAP_CHOWN", "kill"));
        assertThat(caps).contains("CAP_NET_ADMIN").doesNotContain("CAP_CHOWN", "CAP_KILL").contains("CAP_SETUID");
    }

    @Test
    void dropAllThenAdd() {
        assertThat(Capabilities.effective(false, List.of("NET_RAW"), List.of("ALL"))).containsExactly("CAP_NET_RAW");
        assertThat(Capabilities.effective(false, null, List.of("all"))).isEmpty();
    }

    @Test
    void addAllIsEverythingTheDaemonHas() {
        assertThat(Capabilities.effective(false, List.of("ALL"), List.of("SYS_ADMIN")))
                .doesNotContain("CAP_SYS_ADMIN").contains("CAP_NET_ADMIN");
    }

    @Test
    void unknownIs400() {
        assertThatThrownBy(() -> Capabilities.effective(false, List.of("NOPE"), null))
                .isInstanceOf(ApiException.class).hasMessageContaining("unknown capability: \"CAP_NOPE\"");
    }
}
