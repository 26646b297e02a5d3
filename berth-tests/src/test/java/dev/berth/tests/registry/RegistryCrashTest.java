package dev.berth.tests.registry;

import dev.berth.oci.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a berth-registry process (from the built jar) in the middle of pushes: after the restart nothing
 * half-written is visible under a digest, acknowledged chunks are still there, and the upload resumes.
 */
class RegistryCrashTest {
    @TempDir
    Path tmp;
    RegistryProcess registry;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        http.close();
    }

    private HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registry.port())
                .resolve(path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Starts a request on a raw socket, sends its headers and the first {@code sent} body bytes, and leaves it. */
    private Socket partialRequest(String method, String path, long contentLength, byte[] body, int sent)
            throws IOException {
        Socket s = new Socket("127.0.0.1", registry.port());
        OutputStream out = s.getOutputStream();
        out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, sent);
        out.flush();
        return s;
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private long uploadedSize(String location) throws Exception {
        HttpResponse<byte[]> status = send("GET", location, null);
        assertThat(status.statusCode()).isEqualTo(204);
        String range = status.headers().firstValue("Range").orElseThrow();
        return Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
    }

    @Test
    void killNineMidPushLeavesAConsistentRootAndTheUploadResumes() throws Exception {
        Path root = tmp.resolve("root");
        registry = new RegistryProcess(tmp.resolve("registry.log"), "--root", root.toString(),
                "--listen", "127.0.0.1:0").start();

        byte[] blob = random(24 << 20, 1);
        Digest digest = Digest.sha256(blob);
        HttpResponse<byte[]> started = send("POST", "/v2/crash/app/blobs/uploads/", null);
        assertThat(started.statusCode()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        int chunk = 4 << 20;
        HttpResponse<byte[]> first = send("PATCH", location, Arrays.copyOfRange(blob, 0, chunk),
                "Content-Range", "0-" + (chunk - 1));
        assertThat(first.statusCode()).isEqualTo(202);

        // In flight at the kill: the rest of the session as one streamed PATCH, and a whole other blob pushed
        // monolithically, both with most of their bytes sent.
        byte[] other = random(16 << 20, 2);
        Digest otherDigest = Digest.sha256(other);
        try (Socket patch = partialRequest("PATCH", location, blob.length - chunk,
                Arrays.copyOfRange(blob, chunk, blob.length), 10 << 20);
             Socket mono = partialRequest("POST", "/v2/crash/app/blobs/uploads/?digest=" + otherDigest,
                     other.length, other, other.length - 1)) {
            Thread.sleep(500);
            registry.kill9();
        }

        registry.start();
        // Nothing half-written is visible: the monolithic blob is unknown, and every stored blob is intact.
        assertThat(send("HEAD", "/v2/crash/app/blobs/" + otherDigest, null).statusCode()).isEqualTo(404);
        assertThat(send("HEAD", "/v2/crash/app/blobs/" + digest, null).statusCode()).isEqualTo(404);
        assertStoredBlobsMatchTheirNames(root);
        try (Stream<Path> s = Files.walk(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp-"));
        }

        // The acknowledged chunk survived; whatever else arrived is the prefix of what was sent; resume from there.
        long have = uploadedSize(location);
        assertThat(have).isBetween((long) chunk, (long) blob.length);
        HttpResponse<byte[]> rest = send("PATCH", location, Arrays.copyOfRange(blob, (int) have, blob.length),
                "Content-Range", have + "-" + (blob.length - 1));
        assertThat(rest.statusCode()).isEqualTo(202);
        HttpResponse<byte[]> done = send("PUT", location + "?digest=" + digest, null);
        assertThat(done.statusCode()).as(new String(done.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(send("GET", "/v2/crash/app/blobs/" + digest, null).body()).isEqualTo(blob);

        // The jar's gc sees a consistent root too; the unreferenced blob is within its grace period.
        assertThat(registry.run("gc", "--root", root.toString(), "--dry-run")).startsWith("0:")
                .contains("0 unreferenced");
    }

    private static void assertStoredBlobsMatchTheirNames(Path root) throws IOException {
        Path dir = root.resolve("blobs/sha256");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                try (InputStream in = Files.newInputStream(p)) {
                    var md = Digest.newSha256();
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                    assertThat(Digest.ofSha256(md).hex()).as(p.toString()).isEqualTo(p.getFileName().toString());
                }
            }
        }
    }
}
