package dev.berth.daemon.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.containers.ContainerConfigSpec;
import dev.berth.daemon.containers.HostSettings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what any API client can send before it reaches a service: the {@code filters} query
 * parameter and a {@code POST /containers/create} body mapped onto the Config and HostConfig
 * records as the create route maps it. The only failure allowed is a 400 {@link ApiException}.
 * An input is the filters text, a NUL byte, then the body (so seeds are easy to write).
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/daemon/api/ApiInputFuzzTestInputs/}.
 */
class ApiInputFuzzTest {
    private static final Json JSON = new Json();

    @FuzzTest(maxDuration = "15s")
    void requests(byte[] input) {
        int nul = indexOf(input, (byte) 0);
        String filters = new String(input, 0, nul < 0 ? input.length : nul, StandardCharsets.UTF_8);
        byte[] body = nul < 0 ? new byte[0] : Arrays.copyOfRange(input, nul + 1, input.length);
        try {
            Filters f = Filters.parse(filters, JSON);
            f.values().forEach((name, values) -> assertThat(values).doesNotContainNull());
            f.matchesLabels("label", java.util.Map.of("a", "b"));
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
        }
        try {
            createBody(body);
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
        }
    }

    /** The mapping of ContainerRoutes.create and ContainerService.readHost, without a service behind it. */
    private static void createBody(byte[] body) {
        JsonNode node = body.length == 0 ? null : JSON.readTree(body);
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("config cannot be empty in order to create a container");
        }
        try {
            JSON.mapper().treeToValue(node, ContainerConfigSpec.class);
            JsonNode hc = node.get("HostConfig");
            if (hc != null && hc.isObject()) {
                HostSettings hs = JSON.mapper().treeToValue(hc, HostSettings.class);
                hs.effectiveNetworkMode();
                hs.seccompUnconfined();
            }
        } catch (IOException e) {
            throw ApiException.badRequest("invalid JSON: " + e.getMessage());
        }
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
