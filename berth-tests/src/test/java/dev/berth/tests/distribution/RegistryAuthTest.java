package dev.berth.tests.distribution;

import dev.berth.registry.RegistryConfigFile;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * berthd against berth-registry's own authentication, through the real docker CLI: htpasswd Basic auth, and
 * bearer tokens from the registry's built-in {@code /token} endpoint with per-user access rules.
 */
class RegistryAuthTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    static Path dir;

    @BeforeAll
    static void keys() throws Exception {
        dir = Files.createTempDirectory("berth-registry-auth");
        run("htpasswd", "-B", "-b", "-c", "users.htpasswd", "alice", "alice-pw");
        run("htpasswd", "-B", "-b", "users.htpasswd", "bob", "bob-pw");
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "token.key");
        run("openssl", "req", "-x509", "-key", "token.key", "-subj", "/CN=token", "-days", "2", "-out", "token.crt");
        berthd.importBusybox("local/busybox:auth");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        dev.berth.oci.LayerArchive.removeTree(dir);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    private static RegistryServer start(String name, String auth) throws Exception {
        Path yaml = dir.resolve(name + ".yaml");
        Files.writeString(yaml, """
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:0
                log:
                  accesslog:
                    disabled: true
                auth:
                %s""".formatted(name + "-root", auth.indent(2)));
        return RegistryServer.start(RegistryConfigFile.load(yaml));
    }

    private static CommandResult login(String user, String password, String host) {
        return berthd.dockerWithInput(password.getBytes(StandardCharsets.UTF_8), "login", "-u", user,
                "--password-stdin", host);
    }

    @Test
    void dockerLoginPushPullWithTheRegistrysTokenServer() throws Exception {
        try (RegistryServer registry = start("token", """
                htpasswd:
                  path: users.htpasswd
                token:
                  service: berth-registry
                  issuer: berth-registry
                  rootcertbundle: token.crt
                  signingkey: token.key
                  expiration: 5m
                access:
                  - account: alice
                    repository: "team/**"
                    actions: [pull, push, delete]
                  - account: bob
                    repository: "team/**"
                    actions: [pull]
                """)) {
            String host = "127.0.0.1:" + registry.port();
            String ref = host + "/team/app:1";
            berthd.dockerOk("tag", "local/busybox:auth", ref);

            CommandResult anonymous = berthd.docker("push", ref);
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.stderr()).contains("denied: requested access to the resource is denied");

            CommandResult wrong = login("alice", "nope", host);
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.stderr()).contains("unauthorized: incorrect username or password");

            CommandResult ok = login("alice", "alice-pw", host);
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
            assertThat(ok.stdout()).contains("Login Succeeded");

            CommandResult push = berthd.dockerOk("push", ref);
            assertThat(push.stdout()).contains("The push refers to repository [" + host + "/team/app]")
                    .containsPattern("1: digest: sha256:[0-9a-f]{64} size: \\d+");
            berthd.dockerOk("rmi", ref);
            CommandResult pull = berthd.dockerOk("pull", ref);
            assertThat(pull.stdout()).contains("Status: Downloaded newer image for " + ref);
            assertThat(berthd.dockerOk("run", "--rm", ref, "echo", "from-token-registry").stdout())
                    .isEqualTo("from-token-registry\n");
            berthd.dockerOk("rmi", ref);
            berthd.dockerOk("logout", host);

            CommandResult refused = berthd.docker("pull", ref);
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.stderr()).contains("pull access denied for " + host + "/team/app");

            // bob may pull but not push: the registry grants only what its rules allow.
            assertThat(login("bob", "bob-pw", host).exitCode()).isZero();
            berthd.dockerOk("pull", ref);
            berthd.dockerOk("tag", ref, host + "/team/bob:1");
            CommandResult denied = berthd.docker("push", host + "/team/bob:1");
            assertThat(denied.exitCode()).isEqualTo(1);
            assertThat(denied.stdout() + denied.stderr()).containsIgnoringCase("denied");
            berthd.dockerOk("rmi", ref, host + "/team/bob:1");
            berthd.dockerOk("logout", host);
        }
    }

    @Test
    void dockerLoginPushPullWithHtpasswdBasicAuth() throws Exception {
        try (RegistryServer registry = start("basic", """
                htpasswd:
                  realm: berth-test
                  path: users.htpasswd
                """)) {
            String host = "127.0.0.1:" + registry.port();
            String ref = host + "/alice/app:1";
            berthd.dockerOk("tag", "local/busybox:auth", ref);

            CommandResult anonymous = berthd.docker("push", ref);
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.stderr()).containsPattern("Head \"http://" + host + "/v2/alice/app/blobs/sha256:[0-9a-f]{64}\": no basic auth credentials");

            CommandResult wrong = login("alice", "nope", host);
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.stderr()).contains("login attempt to http://" + host + "/v2/ failed with status: 401 Unauthorized");

            assertThat(login("alice", "alice-pw", host).exitCode()).isZero();
            assertThat(berthd.dockerOk("push", ref).stdout()).containsPattern("1: digest: sha256:[0-9a-f]{64}");
            berthd.dockerOk("rmi", ref);
            assertThat(berthd.dockerOk("pull", ref).stdout()).contains("Status: Downloaded newer image for " + ref);
            berthd.dockerOk("logout", host);
            berthd.dockerOk("rmi", ref);

            CommandResult refused = berthd.docker("pull", ref);
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.stderr()).contains("\"http://" + host + "/v2/alice/app/manifests/1\": no basic auth credentials");
        }
    }

    @Test
    void berthLoginKeepsNoIdentityTokenWhenTheServerIssuesNone() throws Exception {
        try (RegistryServer registry = start("berth", """
                htpasswd:
                  path: users.htpasswd
                token:
                  service: berth-registry
                  issuer: berth-registry
                  rootcertbundle: token.crt
                  signingkey: token.key
                """)) {
            String host = "127.0.0.1:" + registry.port();
            String ref = host + "/solo/app:1";
            CommandResult wrong = berthd.berthWithInput("x\n".getBytes(), "login", "-u", "alice", "--password-stdin", host);
            assertThat(wrong.exitCode()).isEqualTo(1);
            assertThat(wrong.stderr()).contains("unauthorized: incorrect username or password");
            berthd.berthWithInput("alice-pw\n".getBytes(), "login", "-u", "alice", "--password-stdin", host).ok();
            berthd.berthOk("tag", "local/busybox:auth", ref);
            assertThat(berthd.berthOk("push", ref).stdout()).containsPattern("1: digest: sha256:[0-9a-f]{64}");
            berthd.berthOk("rmi", ref);
            assertThat(berthd.berthOk("pull", ref).stdout()).contains("Status: Downloaded newer image for " + ref);
            berthd.berthOk("logout", host);
            berthd.berthOk("rmi", ref);
            assertThat(berthd.berth("pull", ref).exitCode()).isEqualTo(1);
        }
    }
}
