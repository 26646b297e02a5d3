package dev.berth.tests.build;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile build contexts through the API: an entry climbing out with {@code ..}, an absolute
 * name, a file written through a symlink that leaves the context: each is refused with 400 and
 * leaves nothing behind (no file outside, no extracted context, no image, no cache row).
 */
class BuildContextSafetyTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void base() {
        berthd.importBusybox("busybox:latest");
    }

    private static final byte[] DOCKERFILE = "FROM busybox\nCOPY . /ctx/\n".getBytes(StandardCharsets.UTF_8);

    static byte[] tar(String hostile) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            file(t, "Dockerfile", DOCKERFILE);
            switch (hostile) {
                case "dotdot" -> file(t, "../../../../escaped-dotdot", "x".getBytes(StandardCharsets.UTF_8));
                case "absolute" -> file(t, "/tmp/escaped-absolute-" + ProcessHandle.current().pid(), "x".getBytes(StandardCharsets.UTF_8));
                case "symlink" -> {
                    link(t, "up", "../../../..");
                    file(t, "up/escaped-symlink", "x".getBytes(StandardCharsets.UTF_8));
                }
                case "symlink-abs" -> {
                    link(t, "tmp", "/tmp");
                    file(t, "tmp/escaped-symlink-abs-" + ProcessHandle.current().pid(), "x".getBytes(StandardCharsets.UTF_8));
                }
                default -> throw new IllegalArgumentException(hostile);
            }
            t.finish();
        }
        return bytes.toByteArray();
    }

    static void file(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(data.length);
        e.setMode(0644);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    static void link(TarArchiveOutputStream t, String name, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dotdot", "absolute", "symlink", "symlink-abs"})
    void hostileContextIsRefusedAndLeavesNothing(String kind) throws IOException {
        int imagesBefore = berthd.dockerOk("images", "-aq").out().lines().toList().size();
        ApiResult r = berthd.apiRaw("POST", "/build?t=hostile:" + kind, "application/x-tar", tar(kind));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.body()).contains("invalid build context");
        assertThat(berthd.docker("image", "inspect", "hostile:" + kind).exitCode()).isNotZero();
        assertThat(berthd.dockerOk("images", "-aq").out().lines().toList()).hasSize(imagesBefore);
        Path tmp = berthd.dataRoot().resolve("build/tmp");
        try (Stream<Path> left = Files.exists(tmp) ? Files.list(tmp) : Stream.empty()) {
            assertThat(left).as("extracted contexts left behind").isEmpty();
        }
        try (Stream<Path> all = Files.walk(berthd.dir())) {
            assertThat(all.filter(p -> p.getFileName().toString().startsWith("escaped-"))).isEmpty();
        }
        assertThat(Path.of("/tmp/escaped-absolute-" + ProcessHandle.current().pid())).doesNotExist();
        assertThat(Path.of("/tmp/escaped-symlink-abs-" + ProcessHandle.current().pid())).doesNotExist();
    }

    @Test
    void remoteContextsAsATarOrALoneDockerfile() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new java.util.zip.GZIPOutputStream(bytes))) {
            file(t, "Dockerfile", "FROM busybox\nCOPY data.txt /\n".getBytes(StandardCharsets.UTF_8));
            file(t, "data.txt", "remote data\n".getBytes(StandardCharsets.UTF_8));
            t.finish();
        }
        byte[] tarGz = bytes.toByteArray();
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/ctx.tar.gz", ex -> {
            ex.sendResponseHeaders(200, tarGz.length);
            ex.getResponseBody().write(tarGz);
            ex.close();
        });
        http.createContext("/Dockerfile", ex -> {
            byte[] b = "FROM busybox\nRUN echo lone > /lone\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        try {
            String base = "http://127.0.0.1:" + http.getAddress().getPort();
            ApiResult tar = berthd.apiRaw("POST", "/build?t=remote:tar&remote=" + java.net.URLEncoder.encode(base + "/ctx.tar.gz",
                    StandardCharsets.UTF_8), "application/x-tar", null);
            assertThat(tar.body()).as(tar.toString()).contains("Successfully tagged remote:tar");
            assertThat(berthd.dockerOk("run", "--rm", "remote:tar", "cat", "/data.txt").stdout()).isEqualTo("remote data\n");
            ApiResult lone = berthd.apiRaw("POST", "/build?t=remote:lone&remote=" + java.net.URLEncoder.encode(base + "/Dockerfile",
                    StandardCharsets.UTF_8), "application/x-tar", null);
            assertThat(lone.body()).as(lone.toString()).contains("Successfully tagged remote:lone");
            assertThat(berthd.dockerOk("run", "--rm", "remote:lone", "cat", "/lone").stdout()).isEqualTo("lone\n");
            // git remotes: BuildGitContextTest; one that could reach ssh as an option is refused here too
            ApiResult git = berthd.apiRaw("POST", "/build?remote=git%40-oProxyCommand%3Dx%3Ay.git", "application/x-tar", null);
            assertThat(git.status()).isEqualTo(400);
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aDockerfileThatIsALinkLoopIsABadRequest() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            link(t, "Dockerfile", "a");
            link(t, "a", "Dockerfile");
            t.finish();
        }
        ApiResult r = berthd.apiRaw("POST", "/build?t=loop:1", "application/x-tar", bytes.toByteArray());
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.body()).contains("invalid build context: too many levels of symbolic links in /Dockerfile");
        assertThat(berthd.api("GET", "/_ping", null).status()).isEqualTo(200);
    }

    @Test
    void aSymlinkInTheContextIsCopiedAsALinkNotFollowed() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            file(t, "Dockerfile", "FROM busybox\nCOPY passwd-link /copied\n".getBytes(StandardCharsets.UTF_8));
            link(t, "passwd-link", "/etc/shadow");
            t.finish();
        }
        ApiResult r = berthd.apiRaw("POST", "/build?t=linkcopy:1", "application/x-tar", bytes.toByteArray());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).contains("Successfully tagged linkcopy:1");
        assertThat(berthd.dockerOk("run", "--rm", "linkcopy:1", "readlink", "/copied").out()).isEqualTo("/etc/shadow");
    }
}
