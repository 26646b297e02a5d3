package dev.berth.tests.registry;

import dev.berth.tests.PrivateDockerd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Docker engine (Debian's dockerd, on its own socket and roots) pushes to and pulls from berth-registry
 * started from the built jar: without auth, and with the built-in token server (docker login, then the
 * Bearer challenge dance the engine does for Docker Hub).
 */
class DockerPushPullTest {
    static PrivateDockerd dockerd;
    static String skipped;
    static String busyboxId;

    @TempDir
    Path tmp;
    RegistryProcess registry;

    @BeforeAll
    static void startDockerd() throws Exception {
        if (!Files.isExecutable(Path.of(PrivateDockerd.DOCKERD)) || !Files.isExecutable(Path.of(PrivateDockerd.DOCKER))) {
            skipped = "dockerd (docker.io) or the docker CLI is not installed";
            return;
        }
        try {
            dockerd = PrivateDockerd.start();
        } catch (IllegalStateException e) {
            skipped = "dockerd could not start: " + e.getMessage();
            return;
        }
        Path script = RegistryProcess.repo().resolve("scripts/busybox-rootfs.sh");
        Process p = new ProcessBuilder("bash", "-c", "\"$0\"", script.toString()).start();
        byte[] rootfs = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        dockerd.dockerWithInput(rootfs, "import", "-c", "CMD [\"sh\"]", "-", "busybox:it");
        busyboxId = dockerd.dockerOk("image", "inspect", "-f", "{{.Id}}", "busybox:it").output().strip();
    }

    @AfterAll
    static void stopDockerd() throws Exception {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    @AfterEach
    void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    private void requireDockerd() {
        if (skipped != null) {
            System.err.println("DockerPushPullTest skipped: " + skipped);
        }
        assumeTrue(skipped == null, skipped);
    }

    private String ref(String repo) {
        return "127.0.0.1:" + registry.port() + "/" + repo;
    }

    /** Pushes busybox as {@code ref}, removes it locally, pulls it back and checks it is the same image. */
    private void pushRemovePull(String ref) throws Exception {
        dockerd.dockerOk("tag", "busybox:it", ref);
        String pushed = dockerd.dockerOk("push", ref).output();
        assertThat(pushed).contains("digest: sha256:");
        dockerd.dockerOk("rmi", ref);
        assertThat(dockerd.docker("image", "inspect", ref).exit()).isNotZero();
        dockerd.dockerOk("pull", ref);
        assertThat(dockerd.dockerOk("image", "inspect", "-f", "{{.Id}}", ref).output().strip()).isEqualTo(busyboxId);
        dockerd.dockerOk("rmi", ref);
    }

    @Test
    void dockerPushesAndPullsWithoutAuth() throws Exception {
        requireDockerd();
        registry = new RegistryProcess(tmp.resolve("registry.log"), "--root", tmp.resolve("root").toString(),
                "--listen", "127.0.0.1:0").start();
        pushRemovePull(ref("lib/busybox:v1"));
        // A second push of the same image finds every layer there already.
        dockerd.dockerOk("tag", "busybox:it", ref("lib/busybox:v2"));
        assertThat(dockerd.dockerOk("push", ref("lib/busybox:v2")).output()).contains("already exists");
        // Cross-repository: the engine mounts the layer from lib/busybox instead of uploading it again.
        dockerd.dockerOk("tag", "busybox:it", ref("other/busybox:v1"));
        assertThat(dockerd.dockerOk("push", ref("other/busybox:v1")).output()).containsAnyOf("Mounted from",
                "already exists");
    }

    private static void write(Path p, String s) throws IOException {
        Files.writeString(p, s, StandardCharsets.UTF_8);
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @Test
    void dockerLogsInWithHtpasswdBasicAuth() throws Exception {
        requireDockerd();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd is missing (apache2-utils)");
        run(tmp, "htpasswd", "-B", "-b", "-c", "users.htpasswd", "carol", "carol-pw");
        write(tmp.resolve("registry.yaml"), """
                storage:
                  filesystem:
                    rootdirectory: root
                http:
                  addr: 127.0.0.1:0
                auth:
                  htpasswd:
                    realm: berth
                    path: users.htpasswd
                """);
        registry = new RegistryProcess(tmp.resolve("registry.log"), "--config",
                tmp.resolve("registry.yaml").toString()).start();
        String host = "127.0.0.1:" + registry.port();
        dockerd.dockerOk("tag", "busybox:it", ref("carol/busybox:v1"));
        PrivateDockerd.Result anonymous = dockerd.docker("push", ref("carol/busybox:v1"));
        assertThat(anonymous.exit()).isNotZero();
        assertThat(anonymous.output()).containsIgnoringCase("no basic auth credentials");
        PrivateDockerd.Result login = dockerd.dockerWithInput("carol-pw".getBytes(StandardCharsets.UTF_8), "login",
                "-u", "carol", "--password-stdin", host);
        assertThat(login.exit()).as(login.output()).isZero();
        dockerd.dockerOk("rmi", ref("carol/busybox:v1"));
        pushRemovePull(ref("carol/busybox:v1"));
        dockerd.dockerOk("logout", host);
    }

    @Test
    void dockerLogsInAndFollowsTheTokenChallenge() throws Exception {
        requireDockerd();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd is missing (apache2-utils)");
        run(tmp, "htpasswd", "-B", "-b", "-c", "users.htpasswd", "alice", "alice-pw");
        run(tmp, "htpasswd", "-B", "-b", "users.htpasswd", "bob", "bob-pw");
        run(tmp, "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "token.key");
        run(tmp, "openssl", "req", "-x509", "-key", "token.key", "-subj", "/CN=token", "-days", "2",
                "-out", "token.crt");
        write(tmp.resolve("registry.yaml"), """
                storage:
                  filesystem:
                    rootdirectory: root
                http:
                  addr: 127.0.0.1:0
                log:
                  accesslog:
                    path: access.log
                auth:
                  htpasswd:
                    path: users.htpasswd
                  token:
                    service: berth-registry
                    issuer: berth-registry
                    rootcertbundle: token.crt
                    signingkey: token.key
                  access:
                    - account: alice
                      repository: "team/**"
                      actions: [pull, push, delete]
                    - account: bob
                      repository: "team/**"
                      actions: [pull]
                """);
        registry = new RegistryProcess(tmp.resolve("registry.log"), "--config",
                tmp.resolve("registry.yaml").toString()).start();
        String host = "127.0.0.1:" + registry.port();

        PrivateDockerd.Result wrong = dockerd.dockerWithInput("nope".getBytes(StandardCharsets.UTF_8), "login",
                "-u", "alice", "--password-stdin", host);
        assertThat(wrong.exit()).as(wrong.output()).isNotZero();

        dockerd.dockerWithInput("alice-pw".getBytes(StandardCharsets.UTF_8), "login", "-u", "alice",
                "--password-stdin", host);
        pushRemovePull(ref("team/busybox:v1"));

        dockerd.dockerOk("logout", host);
        PrivateDockerd.Result anonymous = dockerd.docker("pull", ref("team/busybox:v1"));
        assertThat(anonymous.exit()).isNotZero();

        PrivateDockerd.Result bobLogin = dockerd.dockerWithInput("bob-pw".getBytes(StandardCharsets.UTF_8), "login",
                "-u", "bob", "--password-stdin", host);
        assertThat(bobLogin.exit()).as(bobLogin.output()).isZero();
        dockerd.dockerOk("pull", ref("team/busybox:v1"));
        dockerd.dockerOk("tag", "busybox:it", ref("team/busybox:bob"));
        PrivateDockerd.Result bobPush = dockerd.docker("push", ref("team/busybox:bob"));
        assertThat(bobPush.exit()).isNotZero();
        assertThat(bobPush.output()).containsIgnoringCase("denied");
        dockerd.docker("rmi", ref("team/busybox:bob"), ref("team/busybox:v1"));
        dockerd.dockerOk("logout", host);

        List<String> log = Files.readAllLines(tmp.resolve("access.log"));
        assertThat(log).anyMatch(l -> l.contains("\"uri\":\"/token?") && l.contains("\"status\":200"));
        assertThat(log).anyMatch(l -> l.contains("\"user\":\"alice\"") && l.contains("\"method\":\"PUT\""));
    }
}
