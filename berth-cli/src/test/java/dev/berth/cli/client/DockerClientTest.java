package dev.berth.cli.client;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP client over a real unix socket: negotiation, bodies, errors, hijack. */
class DockerClientTest {
    private static DockerClient client(FakeDaemon d) {
        return new DockerClient(DaemonAddress.parse(d.uri()), "test");
    }

    private static void ping(FakeDaemon.Request r, java.nio.channels.SocketChannel ch, String version) {
        FakeDaemon.respond(ch, 200, "Api-Version: " + version + "\r\n", "");
    }

    @Test
    void negotiatesDownToTheDaemonsVersionAndPrefixesPaths() throws IOException {
        try (var d = new FakeDaemon((r, ch) -> {
            if (r.line().contains("/_ping")) {
                ping(r, ch, "1.41");
            } else {
                FakeDaemon.respond(ch, 200, "Content-Type: application/json\r\n", "{\"Version\":\"x\"}");
            }
        })) {
            var c = client(d);
            assertThat(c.getJson("/version").get("Version").asText()).isEqualTo("x");
            assertThat(d.requests.get(0).line()).isEqualTo("HEAD /_ping HTTP/1.1");
            assertThat(d.requests.get(1).line()).isEqualTo("GET /v1.41/version HTTP/1.1");
        }
    }

    @Test
    void capsNewerDaemonsAt150() {
        assertThat(DockerClient.negotiate("1.51")).isEqualTo("1.50");
        assertThat(DockerClient.negotiate("1.9")).isEqualTo("1.9");
        assertThat(DockerClient.negotiate(null)).isEqualTo("1.24");
        assertThat(DockerClient.compareVersions("1.10", "1.9")).isPositive();
    }

    @Test
    void readsChunkedBodiesAndSendsJsonWithContentLength() throws IOException {
        try (var d = new FakeDaemon((r, ch) -> {
            if (r.line().contains("/_ping")) {
                ping(r, ch, "1.50");
                return;
            }
            FakeDaemon.write(ch, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\n{\"Id\"\r\n8;ext=1\r\n:\"abc\"}\n\r\n0\r\n\r\n");
        })) {
            var res = client(d).postJson("/containers/create?name=x", Json.object().put("Image", "busybox"));
            assertThat(res.get("Id").asText()).isEqualTo("abc");
            var req = d.requests.get(1);
            assertThat(req.line()).isEqualTo("POST /v1.50/containers/create?name=x HTTP/1.1");
            assertThat(req.head()).contains("Content-Type: application/json\r\n").contains("Content-Length: 19\r\n");
            assertThat(new String(req.body(), StandardCharsets.UTF_8)).isEqualTo("{\"Image\":\"busybox\"}");
        }
    }

    @Test
    void uploadsStreamsChunked() throws IOException {
        byte[] payload = new byte[200_000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        try (var d = new FakeDaemon((r, ch) -> {
            if (r.line().contains("/_ping")) {
                ping(r, ch, "1.50");
            } else {
                FakeDaemon.respond(ch, 200, "", "{\"status\":\"sha256:1\"}");
            }
        })) {
            try (var r = client(d).upload("POST", "/images/create?fromSrc=-", new ByteArrayInputStream(payload), "text/plain")) {
                assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8)).contains("sha256:1");
            }
            assertThat(d.requests.get(1).head()).contains("Transfer-Encoding: chunked").contains("Content-Type: text/plain");
            assertThat(d.requests.get(1).body()).isEqualTo(payload);
        }
    }

    @Test
    void errorStatusesCarryTheDaemonsMessage() throws IOException {
        try (var d = new FakeDaemon((r, ch) -> {
            if (r.line().contains("/_ping")) {
                ping(r, ch, "1.50");
            } else if (r.line().contains("nojson")) {
                FakeDaemon.respond(ch, 500, "", "plain failure\n");
            } else {
                FakeDaemon.respond(ch, 404, "Content-Type: application/json\r\n", "{\"message\":\"No such container: x\"}");
            }
        })) {
            var c = client(d);
            assertThatThrownBy(() -> c.getJson("/containers/x/json")).isInstanceOfSatisfying(DaemonException.class, e -> {
                assertThat(e.status()).isEqualTo(404);
                assertThat(e.getMessage()).isEqualTo("Error response from daemon: No such container: x");
            });
            assertThatThrownBy(() -> c.getJson("/nojson")).hasMessage("Error response from daemon: plain failure");
        }
    }

    @Test
    void unreachableDaemonSaysSo() {
        var c = new DockerClient(DaemonAddress.parse("unix:///nonexistent/berth.sock"), "t");
        assertThatThrownBy(c::apiVersion).isInstanceOf(DaemonUnreachableException.class)
                .hasMessage("Cannot connect to the Docker daemon at unix:///nonexistent/berth.sock. Is the docker daemon running?");
    }

    @Test
    void hijackGivesARawStreamAndHalfClosesTheWriteSide() throws Exception {
        try (var d = new FakeDaemon((r, ch) -> {
            if (r.line().contains("/_ping")) {
                ping(r, ch, "1.50");
                return;
            }
            // answer 101 with the first output bytes in the same packet, then echo stdin until the client half-closes
            FakeDaemon.write(ch, "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello ");
            try {
                byte[] in = java.nio.channels.Channels.newInputStream(ch).readAllBytes();
                FakeDaemon.write(ch, in);
                ch.close();
            } catch (IOException ignored) {
                // test failed elsewhere
            }
        })) {
            try (Response r = client(d).hijack("/containers/x/attach?stream=1", null)) {
                assertThat(r.status()).isEqualTo(101);
                OutputStream out = r.output();
                out.write("world".getBytes(StandardCharsets.UTF_8));
                r.closeWrite();
                var got = new ByteArrayOutputStream();
                r.body().transferTo(got);
                assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("hello world");
            }
            assertThat(d.requests.get(1).head()).contains("Connection: Upgrade\r\n").contains("Upgrade: tcp\r\n");
        }
    }

    @Test
    void parsesDaemonHosts() {
        assertThat(DaemonAddress.parse("unix:///run/x.sock").uri()).isEqualTo("unix:///run/x.sock");
        assertThat(DaemonAddress.parse("tcp://10.0.0.1:2376").hostHeader()).isEqualTo("10.0.0.1:2376");
        assertThat(DaemonAddress.parse(":2375").hostHeader()).isEqualTo("127.0.0.1:2375");
        assertThat(DaemonAddress.parse("").uri()).isEqualTo(DaemonAddress.DEFAULT);
        assertThatThrownBy(() -> DaemonAddress.parse("ssh://host")).hasMessageContaining("Invalid bind address format");
    }
}
