package dev.berth.tests.build;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.ApiResult;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * git build contexts: a bare repository served by {@code git daemon} on a free loopback port,
 * built through the API's {@code remote} parameter with {@code #ref:subdir} fragments and through
 * {@code docker build git://…}; hostile remotes are refused with 400 and run nothing.
 */
class BuildGitContextTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static Path dir;
    private static Process daemon;
    private static int port;

    @BeforeAll
    static void repository() throws Exception {
        berthd.importBusybox("busybox:latest");
        dir = Files.createTempDirectory("berth-git-ctx-");
        Path src = Files.createDirectories(dir.resolve("src"));
        git(src, "init", "-q", "-b", "main");
        Files.createDirectories(src.resolve("app"));
        Files.writeString(src.resolve("app/Dockerfile"), "FROM busybox\nCOPY hello.txt /hello.txt\n");
        Files.writeString(src.resolve("app/hello.txt"), "from main\n");
        Files.writeString(src.resolve("Dockerfile"), "FROM busybox\nCOPY app/hello.txt /top.txt\n");
        git(src, "add", ".");
        git(src, "commit", "-q", "-m", "one");
        git(src, "checkout", "-q", "-b", "feature");
        Files.writeString(src.resolve("app/hello.txt"), "from feature\n");
        git(src, "commit", "-q", "-a", "-m", "two");
        git(dir, "clone", "-q", "--bare", "src", "repo.git");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        daemon = new ProcessBuilder("git", "daemon", "--listen=127.0.0.1", "--port=" + port, "--base-path=" + dir, "--export-all",
                "--reuseaddr", dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile()).start();
        for (int i = 0; ; i++) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                if (i > 100 || !daemon.isAlive()) {
                    throw new IllegalStateException("git daemon did not start: " + Files.readString(dir.resolve("daemon.log")));
                }
                Thread.sleep(100);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            // by its own handle (PID): only the daemon this test started
            daemon.destroy();
            if (!daemon.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        if (dir != null) {
            BerthdFixture.run(List.of("rm", "-rf", dir.toString()), null, Map.of());
        }
    }

    private static void git(Path in, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", in.toString(), "-c", "user.email=t@example.com",
                "-c", "user.name=t"));
        cmd.addAll(List.of(args));
        CommandResult r = BerthdFixture.run(cmd, null, Map.of());
        if (r.exitCode() != 0) {
            throw new IllegalStateException(r.toString());
        }
    }

    private static String url(String fragment) {
        return "git://127.0.0.1:" + port + "/repo.git" + fragment;
    }

    private static ApiResult build(String tag, String remote, String extra) throws IOException {
        return berthd.apiRaw("POST", "/build?t=" + tag + "&remote=" + URLEncoder.encode(remote, StandardCharsets.UTF_8) + extra,
                "application/x-tar", null);
    }

    @Test
    void remoteWithRefAndSubdirectory() throws IOException {
        ApiResult feature = build("gitctx:feature", url("#feature:app"), "");
        assertThat(feature.status()).as(feature.toString()).isEqualTo(200);
        assertThat(feature.body()).as(feature.toString()).contains("Successfully tagged gitctx:feature");
        assertThat(berthd.dockerOk("run", "--rm", "gitctx:feature", "cat", "/hello.txt").stdout()).isEqualTo("from feature\n");

        ApiResult main = build("gitctx:main", url("#main:app"), "");
        assertThat(main.body()).as(main.toString()).contains("Successfully tagged gitctx:main");
        assertThat(berthd.dockerOk("run", "--rm", "gitctx:main", "cat", "/hello.txt").stdout()).isEqualTo("from main\n");

        // no fragment: master, which this repository lacks; then the root with a ref only
        ApiResult master = build("gitctx:master", url(""), "");
        assertThat(master.status()).as(master.toString()).isEqualTo(400);
        assertThat(master.body()).contains("master");
        ApiResult root = build("gitctx:root", url("#feature"), "");
        assertThat(root.body()).as(root.toString()).contains("Successfully tagged gitctx:root");
        assertThat(berthd.dockerOk("run", "--rm", "gitctx:root", "cat", "/top.txt").stdout()).isEqualTo("from feature\n");

        // the clone is gone once the build is over
        try (var left = Files.list(berthd.dataRoot().resolve("build").resolve("tmp"))) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith("git-"))).isEmpty();
        }
    }

    @Test
    void dockerBuildOfAGitUrl() throws IOException {
        // the docker CLI clones a git URL itself and sends the checkout as the context; it leaves the clone
        // in its TMPDIR, so that is the test's own
        Path cliTmp = Files.createDirectories(dir.resolve("cli-tmp"));
        CommandResult r = BerthdFixture.run(List.of(BerthdFixture.DOCKER, "build", "-t", "gitctx:cli", url("#feature:app")), null,
                Map.of("DOCKER_HOST", berthd.dockerHost(), "DOCKER_BUILDKIT", "0",
                        "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString(), "TMPDIR", cliTmp.toString()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "gitctx:cli", "cat", "/hello.txt").stdout()).isEqualTo("from feature\n");
    }

    @Test
    void hostileRemotesAreRefused() throws IOException {
        Path marker = dir.resolve("pwned");
        for (String remote : List.of(
                url("#--upload-pack=touch$IFS" + marker + ":app"),
                "git@-oProxyCommand=touch$IFS" + marker + ":x/y.git",
                "ext::sh -c touch% " + marker,
                "git://-oProxyCommand=x/repo.git",
                "git://127.0.0.1:" + port + "/repo.git::ext",
                "file:///etc/x.git",
                url("#main:../../../etc"))) {
            ApiResult r = build("gitctx:hostile", remote, "");
            assertThat(r.status()).as(remote + " -> " + r).isEqualTo(400);
        }
        assertThat(marker).doesNotExist();
        assertThat(berthd.docker("image", "inspect", "gitctx:hostile").exitCode()).isNotZero();
    }
}
