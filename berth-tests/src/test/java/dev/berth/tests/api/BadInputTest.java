package dev.berth.tests.api;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed and hostile requests get Docker's status codes and a clear message, and leave every
 * stored image and container as it was.
 */
class BadInputTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private String stateBefore;

    @BeforeAll
    static void seed() {
        berthd.importBusybox("busybox");
        out(berthd.docker("create", "--name", "keeper", "-l", "role=keep", "busybox", "true"));
    }

    @BeforeEach
    void snapshot() {
        stateBefore = state();
    }

    @AfterEach
    void nothingChanged() {
        assertThat(state()).isEqualTo(stateBefore);
    }

    @Test
    void malformedJsonIs400() throws Exception {
        ApiResult r = berthd.api("POST", "/v1.50/containers/create", "{\"Image\": \"busybox\", ");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("\"message\"").containsIgnoringCase("json");
    }

    @Test
    void wrongTypesAre400() throws Exception {
        assertThat(berthd.api("POST", "/v1.50/containers/create", "{\"Image\": [\"busybox\"]}").status()).isEqualTo(400);
        assertThat(berthd.api("POST", "/v1.50/containers/create", "{\"Image\": \"busybox\", \"HostConfig\": {\"Memory\": \"lots\"}}").status())
                .isEqualTo(400);
        assertThat(berthd.api("POST", "/v1.50/containers/create", "[1, 2]").status()).isEqualTo(400);
    }

    @Test
    void unknownObjectsAre404() throws Exception {
        ApiResult noImage = berthd.api("POST", "/v1.50/containers/create", "{\"Image\": \"nosuch\"}");
        assertThat(noImage.status()).isEqualTo(404);
        assertThat(noImage.body()).contains("No such image: nosuch:latest");
        ApiResult noContainer = berthd.api("GET", "/v1.50/containers/nosuch/json", null);
        assertThat(noContainer.status()).isEqualTo(404);
        assertThat(noContainer.body()).contains("No such container: nosuch");
        assertThat(berthd.api("POST", "/v1.50/containers/nosuch/start", null).status()).isEqualTo(404);
        assertThat(berthd.api("DELETE", "/v1.50/images/nosuch", null).status()).isEqualTo(404);

        CommandResult cli = berthd.docker("inspect", "nosuch");
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.stderr()).contains("No such object: nosuch");
    }

    @Test
    void invalidAndDuplicateNamesAre400And409() throws Exception {
        ApiResult bad = berthd.api("POST", "/v1.50/containers/create?name=no/slashes", "{\"Image\": \"busybox\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("Invalid container name (no/slashes), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        ApiResult dup = berthd.api("POST", "/v1.50/containers/create?name=keeper", "{\"Image\": \"busybox\"}");
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.body()).contains("The container name \\\"/keeper\\\" is already in use");

        CommandResult cli = berthd.docker("run", "--name", "keeper", "busybox");
        assertThat(cli.exitCode()).isEqualTo(125);
        assertThat(cli.stderr()).contains("is already in use");
    }

    @Test
    void unsupportedApiVersionIs400() throws Exception {
        ApiResult r = berthd.api("POST", "/v1.51/containers/create", "{\"Image\": \"busybox\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("is too new");
    }

    @Test
    void oversizedBodyIsRefused() throws Exception {
        byte[] huge = new byte[17 * 1024 * 1024];
        Arrays.fill(huge, (byte) ' ');
        byte[] head = "{\"Image\": \"busybox\", \"Labels\": {\"pad\": \"".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, huge, 0, head.length);
        huge[huge.length - 2] = '"';
        huge[huge.length - 1] = '}';
        ApiResult r = berthd.apiRaw("POST", "/v1.50/containers/create", "application/json", huge);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.body()).contains("\"message\"");
    }

    @Test
    void badQueryParametersAre400() throws Exception {
        assertThat(berthd.api("GET", "/v1.50/containers/json?filters=notjson", null).status()).isEqualTo(400);
        assertThat(berthd.api("GET", "/v1.50/containers/json?filters=" + enc("{\"nosuchfilter\":[\"x\"]}"), null).status()).isEqualTo(400);
        assertThat(berthd.api("GET", "/v1.50/images/json?filters=" + enc("{\"dangling\":[\"maybe\"]}"), null).status()).isEqualTo(400);
        assertThat(berthd.api("POST", "/v1.50/containers/keeper/stop?t=soon", null).status()).isEqualTo(400);
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String state() {
        return out(berthd.docker("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}} {{.Status}} {{.Labels}}"))
                + "\n" + out(berthd.docker("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}"));
    }

    private static String out(CommandResult r) {
        return r.ok().out();
    }
}
