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

    @Test
    void aTokenThatExpiresDuringAPullIsRenewed() throws Exception {
        try (AuthProxy proxy = new AuthProxy(AuthProxy.Mode.TOKEN, "erin", "3rin", upstream)) {
            String ref = proxy.host() + "/private/app:1";
            berthd.dockerWithInput("3rin".getBytes(), "login", "-u", "erin", "--password-stdin", proxy.host()).ok();
            // Each token is good for two requests: the manifest, config and two layers outlive it.
            proxy.tokenLifetime = 2;
            proxy.tokenRequests.clear();
            assertThat(berthd.dockerOk("pull", ref).stdout()).contains("Status: Downloaded newer image for " + ref);
            assertThat(proxy.tokenRequests.size()).isGreaterThan(1);
            assertThat(proxy.tokenRequests).allMatch(r -> r.equals("POST scope=repository:private/app:pull"));
            berthd.dockerOk("logout", proxy.host());
            berthd.dockerOk("rmi", ref);
        }
    }

    /** A docker credential helper for tests: keeps each server's JSON in a file and logs every call. */
    private static final String FAKE_HELPER = """
            #!/bin/sh
            here=$(dirname "$0")
            mkdir -p "$here/store"
            input=$(cat)
            echo "$1 $input" >> "$here/calls.log"
            case "$1" in
            store)
                server=$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
                printf '%s' "$input" > "$here/store/$(printf '%s' "$server" | tr '/:' '__')" ;;
            get)
                f="$here/store/$(printf '%s' "$input" | tr '/:' '__')"
                if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            erase)
                rm -f "$here/store/$(printf '%s' "$input" | tr '/:' '__')" ;;
            *) exit 1 ;;
            esac
            """;

    /** Runs the docker CLI ("docker") or berth with {@code bin} first on PATH and {@code config} as DOCKER_CONFIG. */
    private static CommandResult withHelpers(Path bin, Path config, byte[] stdin, String cli, String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(cli.equals("docker") ? BerthdFixture.DOCKER : berthd.repo().resolve("bin/berth").toString());
        cmd.addAll(List.of(args));
        return BerthdFixture.run(cmd, stdin, java.util.Map.of("DOCKER_HOST", berthd.dockerHost(), "BERTH_HOST",
                berthd.dockerHost(), "DOCKER_CONFIG", config.toString(), "PATH", bin + ":" + System.getenv("PATH")));
    }

    @Test
    void credentialHelpersKeepTheCredentialsForBerthAndDocker() throws Exception {
        Path tmp = Files.createTempDirectory("berth-cred-helper");
        Path bin = tmp.resolve("bin");
        Path config = tmp.resolve("config");
        Files.createDirectories(bin);
        Files.createDirectories(config);
        Path helper = bin.resolve("docker-credential-fake");
        Files.writeString(helper, FAKE_HELPER);
        Files.setPosixFilePermissions(helper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.writeString(config.resolve("config.json"), "{\"credsStore\": \"fake\"}\n");
        try (AuthProxy proxy = new AuthProxy(AuthProxy.Mode.BASIC, "carol", "c4rol", upstream)) {
            String host = proxy.host();
            String ref = host + "/private/app:1";
            Path stored = bin.resolve("store/" + host.replace(':', '_'));

            CommandResult login = withHelpers(bin, config, "c4rol\n".getBytes(), "berth", "login", "-u", "carol",
                    "--password-stdin", host);
            assertThat(login.exitCode()).as(login.toString()).isZero();
            assertThat(login.stderr()).doesNotContain("unencrypted");
            assertThat(Files.readString(stored)).isEqualTo(
                    "{\"ServerURL\":\"" + host + "\",\"Username\":\"carol\",\"Secret\":\"c4rol\"}");
            JsonNode saved = new ObjectMapper().readTree(config.resolve("config.json").toFile());
            assertThat(saved.path("auths").path(host).isObject()).isTrue();
            assertThat(saved.path("auths").path(host).size()).isZero();

            assertThat(withHelpers(bin, config, null, "berth", "pull", ref).ok().stdout())
                    .contains("Status: Downloaded newer image for " + ref);
            assertThat(Files.readAllLines(bin.resolve("calls.log"))).contains("get " + host);
            // The docker CLI reads what berth stored, through the same helper.
            berthd.dockerOk("rmi", ref);
            withHelpers(bin, config, null, "docker", "pull", ref).ok();

            assertThat(withHelpers(bin, config, null, "berth", "logout", host).ok().stdout())
                    .isEqualTo("Removing login credentials for " + host + "\n");
            assertThat(stored).doesNotExist();
            assertThat(Files.readAllLines(bin.resolve("calls.log"))).contains("erase " + host);
            berthd.dockerOk("rmi", ref);
            assertThat(withHelpers(bin, config, null, "berth", "pull", ref).exitCode()).isEqualTo(1);

            // docker login stores through the helper; berth push finds the credentials there.
            withHelpers(bin, config, "c4rol".getBytes(), "docker", "login", "-u", "carol", "--password-stdin", host).ok();
            assertThat(stored).exists();
            berthd.importBusybox(host + "/private/helper:1");
            assertThat(withHelpers(bin, config, null, "berth", "push", host + "/private/helper:1").ok().stdout())
                    .containsPattern("1: digest: sha256:[0-9a-f]{64}");

            // credHelpers wins over credsStore for its registry; a missing helper is docker's exec error.
            Files.writeString(config.resolve("config.json"), "{\"credsStore\": \"missing\", \"credHelpers\": {\""
                    + host + "\": \"fake\"}, \"auths\": {\"" + host + "\": {}}}\n");
            assertThat(withHelpers(bin, config, null, "berth", "pull", ref).ok().stdout())
                    .contains("Status: Downloaded newer image for " + ref);
            CommandResult missing = withHelpers(bin, config, null, "berth", "pull", "127.0.0.1:1/other/app:1");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr()).contains("exec: \"docker-credential-missing\": executable file not found in $PATH");
            berthd.dockerOk("rmi", ref, host + "/private/helper:1");
        } finally {
            dev.berth.oci.LayerArchive.removeTree(tmp);
        }
    }

    @Test
    void anIdentityTokenGoesToTheHelperUnderTheTokenUsername() throws Exception {
        Path tmp = Files.createTempDirectory("berth-cred-token");
        Path bin = tmp.resolve("bin");
        Path config = tmp.resolve("config");
        Files.createDirectories(bin);
        Files.createDirectories(config);
        Path helper = bin.resolve("docker-credential-fake");
        Files.writeString(helper, FAKE_HELPER);
        Files.setPosixFilePermissions(helper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        try (AuthProxy proxy = new AuthProxy(AuthProxy.Mode.TOKEN, "dave", "d4ve", upstream)) {
            String host = proxy.host();
            Files.writeString(config.resolve("config.json"), "{\"credHelpers\": {\"" + host + "\": \"fake\"}}\n");
            String ref = host + "/private/app:1";
            withHelpers(bin, config, "d4ve\n".getBytes(), "berth", "login", "-u", "dave", "--password-stdin", host).ok();
            JsonNode stored = new ObjectMapper().readTree(bin.resolve("store/" + host.replace(':', '_')).toFile());
            assertThat(stored.path("Username").asText()).isEqualTo("<token>");
            assertThat(stored.path("Secret").asText()).isNotEmpty().isNotEqualTo("d4ve");
            proxy.tokenRequests.clear();
            withHelpers(bin, config, null, "berth", "pull", ref).ok();
            assertThat(proxy.tokenRequests).containsExactly("POST scope=repository:private/app:pull");
            withHelpers(bin, config, null, "berth", "logout", host).ok();
            berthd.dockerOk("rmi", ref);
        } finally {
            dev.berth.oci.LayerArchive.removeTree(tmp);
        }
    }
}
