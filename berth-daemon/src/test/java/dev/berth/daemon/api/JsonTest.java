package dev.berth.daemon.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    record Sample(String hostConfig, List<String> cmd, int stopTimeout) {}

    private final Json json = new Json();

    @Test
    void recordComponentsAreEnginePascalCase() {
        assertThat(json.writeString(new Sample("x", List.of("a"), 3))).isEqualTo("{\"HostConfig\":\"x\",\"Cmd\":[\"a\"],\"StopTimeout\":3}");
        assertThat(json.read("{\"Cmd\":[\"sh\"],\"Unknown\":1}".getBytes(StandardCharsets.UTF_8), Sample.class).cmd()).containsExactly("sh");
    }

    @Test
    void wrongTypesAndDeepNestingAreClientErrors() {
        assertThatThrownBy(() -> json.read("{\"StopTimeout\":\"soon\"}".getBytes(StandardCharsets.UTF_8), Sample.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("StopTimeout");
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertThatThrownBy(() -> json.readTree(deep.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void nullListMembersAreDropped() {
        // Found by ApiInputFuzzTest: "SecurityOpt": [null] reached HostSettings.seccompUnconfined as a null.
        byte[] body = "{\"Cmd\":[\"sh\",null,\"-c\"]}".getBytes(StandardCharsets.UTF_8);
        assertThat(json.read(body, Sample.class).cmd()).containsExactly("sh", "-c");
        assertThat(json.mapper().convertValue(json.readTree(body), Sample.class).cmd()).containsExactly("sh", "-c");
    }
}
