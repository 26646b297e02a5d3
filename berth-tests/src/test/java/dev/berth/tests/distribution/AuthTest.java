package dev.berth.tests.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.registry.RegistryServer;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** docker login/logout and authenticated pull and push: basic auth and the bearer token flow. */
class AuthTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    static RegistryServer registry;
    static Path registryRoot;
    static String upstream;
    static TestImage image;

    @BeforeAll
    static void startRegistry() throws Exception {
        registryRoot = Files.createTempDirectory("berth-auth-registry");
        registry = RegistryServer.start(registryRoot, "127.0.0.1", 0);
        upstream = "127.0.0.1:" + registry.port();
        image = TestImage.of("amd64", List.of(berthd.busyboxTar(), TestImage.fileTar("secret.txt", "secret\n")));
        image.push(upstream, "private/app", "1");
    }

    @AfterAll
    static void stopRegistry() throws IOException {
        if (registry != null) {
            registry.close();
        }
        dev.berth.oci.LayerArchive.removeTree(registryRoot);
    }

    private static JsonNode dockerConfig() throws IOException {
        return new ObjectMapper().readTree(Files.readString(berthd.dir().resolve("docker-config/config.json")));
    }

    @Test
    void basicAuthLoginPullPushLogout() throws Exception {
        try (AuthProxy proxy = new AuthProxy(AuthProxy.Mode.BASIC, "alice", "s3cret", upstream)) {
            String ref = proxy.host() + "/private/app:1";
            CommandResult anonymous = berthd.docker("pull", ref);
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.stderr()).contains("no basic auth credentials");

            CommandResult wrong = berthd.docker("login", "-u", "alice", "-p", "nope", proxy.host());
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.stderr()).contains("401 Unauthorized");

            CommandResult login = berthd.dockerWithInput("s3cret\n".getBytes(), "login", "-u", "alice", "--password-stdin", proxy.host());
            assertThat(login.exitCode()).as(login.toString()).isZero();
            assertThat(login.stdout()).contains("Login Succeeded");
            assertThat(dockerConfig().path("auths").has(proxy.host())).isTrue();

            assertThat(berthd.dockerOk("pull", ref).stdout()).contains("Status: Downloaded newer image for " + ref);
            berthd.dockerOk("tag", ref, proxy.host() + "/private/copy:2");
            assertThat(berthd.dockerOk("push", proxy.host() + "/private/copy:2").stdout()).contains("2: digest: sha256:");

            assertThat(berthd.dockerOk("logout", proxy.host()).stdout()).contains("Removing login credentials for " + proxy.host());
            berthd.dockerOk("rmi", ref, proxy.host() + "/private/copy:2");
            assertThat(berthd.docker("pull", ref).exitCode()).isEqualTo(1);
        }
    }

    @Test
    void tokenAuthUsesScopedTokensAndTheIdentityToken() throws Exception {
        try (AuthProxy proxy = new AuthProxy(AuthProxy.Mode.TOKEN, "bob", "pa55", upstream)) {
            String ref = proxy.host() + "/private/app:1";
            CommandResult anonymous = berthd.docker("pull", ref);
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.stderr()).contains("unauthorized");

            CommandResult wrong = berthd.berthWithInput("bad\n".getBytes(), "login", "-u", "bob", "--password-stdin", proxy.host());
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.stderr()).contains("unauthorized: incorrect username or password");

            CommandResult login = berthd.berthWithInput("pa55\n".getBytes(), "login", "-u", "bob", "--password-stdin", proxy.host());
            assertThat(login.exitCode()).as(login.toString()).isZero();
            assertThat(login.stdout()).isEqualTo("Login Succeeded\n");
            JsonNode entry = dockerConfig().path("auths").path(proxy.host());
            assertThat(entry.path("identitytoken").asText()).isNotEmpty();
            assertThat(new String(java.util.Base64.getDecoder().decode(entry.path("auth").asText()), StandardCharsets.UTF_8))
                    .isEqualTo("bob:");

            proxy.tokenRequests.clear();
            assertThat(berthd.berthOk("pull", ref).stdout()).contains("Status: Downloaded newer image for " + ref);
            // One token for the whole pull, fetched with the identity token for the repository's pull scope.
            assertThat(proxy.tokenRequests).containsExactly("POST scope=repository:private/app:pull");

            berthd.dockerOk("tag", ref, proxy.host() + "/private/other:1");
            proxy.tokenRequests.clear();
            CommandResult push = berthd.dockerOk("push", proxy.host() + "/private/other:1");
            assertThat(push.stdout()).contains("Mounted from private/app");
            assertThat(proxy.tokenRequests).containsExactly(
                    "POST scope=repository:private/other:pull,push scope=repository:private/app:pull");
            berthd.berthOk("logout", proxy.host());
            berthd.dockerOk("rmi", ref, proxy.host() + "/private/other:1");
        }
    }
}
