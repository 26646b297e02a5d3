package dev.berth.registry;

import dev.berth.oci.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.berth.registry.RegistryClient.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

class BlobProtocolTest {
    @TempDir
    Path root;
    RegistryClient reg;

    @BeforeEach
    void start() throws Exception {
        reg = new RegistryClient(root);
    }

    @AfterEach
    void stop() {
        reg.close();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void baseEndpointAnnouncesTheApiVersion() throws Exception {
        HttpResponse<byte[]> r = reg.get("/v2/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Docker-Distribution-API-Version")).contains("registry/2.0");
    }

    @Test
    void monolithicUploadThenGetHeadAndRanges() throws Exception {
        byte[] content = random(300_000, 1);
        Digest d = reg.pushBlob("lib/app", content);
        assertThat(Files.exists(root.resolve("blobs/sha256/" + d.hex()))).isTrue();

        HttpResponse<byte[]> get = reg.get("/v2/lib/app/blobs/" + d);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(content);
        assertThat(get.headers().firstValue("Docker-Content-Digest")).contains(d.toString());

        HttpResponse<byte[]> head = reg.send("HEAD", "/v2/lib/app/blobs/" + d, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(content.length);
        assertThat(head.body()).isEmpty();

        HttpResponse<byte[]> range = reg.send("GET", "/v2/lib/app/blobs/" + d, null, "Range", "bytes=100-199");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(content, 100, 200));
        assertThat(range.headers().firstValue("Content-Range")).contains("bytes 100-199/300000");

        HttpResponse<byte[]> suffix = reg.send("GET", "/v2/lib/app/blobs/" + d, null, "Range", "bytes=-10");
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(content, content.length - 10, content.length));

        HttpResponse<byte[]> beyond = reg.send("GET", "/v2/lib/app/blobs/" + d, null, "Range", "bytes=300000-");
        assertThat(beyond.statusCode()).isEqualTo(416);
    }

    @Test
    void blobsLargerThanAMappedSliceAndEmptyBlobs() throws Exception {
        // bodies are written from a mapping in 64 MiB slices: whole blobs and ranges across a slice edge
        int slice = 64 << 20;
        byte[] content = random(slice + 3_000_000, 7);
        Digest d = reg.pushBlob("lib/big", content);
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> get = reg.get("/v2/lib/big/blobs/" + d);
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(Digest.sha256(get.body())).isEqualTo(d);
        }
        HttpResponse<byte[]> edge = reg.send("GET", "/v2/lib/big/blobs/" + d, null, "Range",
                "bytes=" + (slice - 10) + "-" + (slice + 9));
        assertThat(edge.statusCode()).isEqualTo(206);
        assertThat(edge.body()).isEqualTo(Arrays.copyOfRange(content, slice - 10, slice + 10));
        HttpResponse<byte[]> tail = reg.send("GET", "/v2/lib/big/blobs/" + d, null, "Range", "bytes=1000-");
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(content, 1000, content.length));

        Digest empty = reg.pushBlob("lib/big", new byte[0]);
        HttpResponse<byte[]> none = reg.get("/v2/lib/big/blobs/" + empty);
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(none.body()).isEmpty();
        assertThat(none.headers().firstValueAsLong("Content-Length")).hasValue(0);
    }

    @Test
    void unknownAndInvalidBlobs() throws Exception {
        Digest missing = Digest.sha256("nothing".getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = reg.get("/v2/lib/app/blobs/" + missing);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(errorCode(r)).isEqualTo("BLOB_UNKNOWN");

        // HEAD answers carry no body, and the connection stays usable afterwards.
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> head = reg.send("HEAD", "/v2/lib/app/blobs/" + missing, null);
            assertThat(head.statusCode()).isEqualTo(404);
            assertThat(head.body()).isEmpty();
        }

        HttpResponse<byte[]> bad = reg.get("/v2/lib/app/blobs/sha256:xyz");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(errorCode(bad)).isEqualTo("DIGEST_INVALID");

        // A blob in one repository is not served through another until it is mounted there.
        Digest d = reg.pushBlob("one", random(10, 2));
        assertThat(reg.get("/v2/two/blobs/" + d).statusCode()).isEqualTo(404);
    }

    @Test
    void wrongDigestIsRefusedAndNothingBecomesVisible() throws Exception {
        byte[] content = random(1000, 3);
        Digest other = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = reg.send("POST", "/v2/app/blobs/uploads/?digest=" + other, content);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("DIGEST_INVALID");
        assertThat(reg.get("/v2/app/blobs/" + other).statusCode()).isEqualTo(404);
        assertThat(reg.get("/v2/app/blobs/" + Digest.sha256(content)).statusCode()).isEqualTo(404);
        try (var s = Files.list(root.resolve("uploads"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void chunkedUploadChecksContentRange() throws Exception {
        byte[] content = random(10_000, 4);
        HttpResponse<byte[]> start = reg.send("POST", "/v2/app/blobs/uploads/", null);
        assertThat(start.statusCode()).isEqualTo(202);
        String location = start.headers().firstValue("Location").orElseThrow();
        assertThat(start.headers().firstValue("Docker-Upload-UUID")).isPresent();

        HttpResponse<byte[]> first = reg.send("PATCH", location, Arrays.copyOfRange(content, 0, 4000),
                "Content-Range", "0-3999", "Content-Type", "application/octet-stream");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("Range")).contains("0-3999");
        location = first.headers().firstValue("Location").orElseThrow();

        HttpResponse<byte[]> gap = reg.send("PATCH", location, Arrays.copyOfRange(content, 5000, 6000),
                "Content-Range", "5000-5999");
        assertThat(gap.statusCode()).isEqualTo(416);
        assertThat(errorCode(gap)).isEqualTo("BLOB_UPLOAD_INVALID");
        assertThat(gap.headers().firstValue("Range")).contains("0-3999");

        HttpResponse<byte[]> mismatch = reg.send("PATCH", location, Arrays.copyOfRange(content, 4000, 4500),
                "Content-Range", "4000-4999");
        assertThat(mismatch.statusCode()).isEqualTo(416);
        assertThat(errorCode(mismatch)).isEqualTo("BLOB_UPLOAD_INVALID");

        HttpResponse<byte[]> status = reg.get(location);
        assertThat(status.statusCode()).isEqualTo(204);
        assertThat(status.headers().firstValue("Range")).contains("0-3999");

        HttpResponse<byte[]> second = reg.send("PATCH", location, Arrays.copyOfRange(content, 4000, 9000),
                "Content-Range", "4000-8999");
        assertThat(second.statusCode()).isEqualTo(202);

        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> done = reg.send("PUT", location + "?digest=" + d,
                Arrays.copyOfRange(content, 9000, content.length));
        assertThat(done.statusCode()).isEqualTo(201);
        assertThat(done.headers().firstValue("Location")).contains("/v2/app/blobs/" + d);
        assertThat(reg.get("/v2/app/blobs/" + d).body()).isEqualTo(content);
        assertThat(reg.get(location).statusCode()).isEqualTo(404);
    }

    @Test
    void largeChunksKeepTheRunningDigestAcrossRequests() throws Exception {
        // each request's bytes are hashed on a second thread in batches of MiBs; the digest goes on across requests
        byte[] content = random(15_340_035, 12);
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        int[] cuts = {0, 5_000_001, 12_340_034, 12_340_035};
        for (int i = 0; i + 1 < cuts.length; i++) {
            HttpResponse<byte[]> patch = reg.send("PATCH", location, Arrays.copyOfRange(content, cuts[i], cuts[i + 1]),
                    "Content-Range", cuts[i] + "-" + (cuts[i + 1] - 1));
            assertThat(patch.statusCode()).isEqualTo(202);
            location = patch.headers().firstValue("Location").orElseThrow();
        }
        byte[] last = Arrays.copyOfRange(content, cuts[3], content.length);
        Digest wrong = Digest.sha256(Arrays.copyOf(content, content.length - 1));
        HttpResponse<byte[]> refused = reg.send("PUT", location + "?digest=" + wrong, last);
        assertThat(errorCode(refused)).isEqualTo("DIGEST_INVALID");

        String again = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> patch = reg.send("PATCH", again, Arrays.copyOf(content, cuts[2]));
        assertThat(patch.statusCode()).isEqualTo(202);
        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> done = reg.send("PUT", patch.headers().firstValue("Location").orElseThrow() + "?digest=" + d,
                Arrays.copyOfRange(content, cuts[2], content.length));
        assertThat(done.statusCode()).isEqualTo(201);
        assertThat(Digest.sha256(reg.get("/v2/app/blobs/" + d).body())).isEqualTo(d);
    }

    @Test
    void streamedUploadWithoutContentRange() throws Exception {
        byte[] content = random(200_000, 5);
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        HttpResponse<byte[]> patch = reg.send("PATCH", location, content);
        assertThat(patch.statusCode()).isEqualTo(202);
        Digest d = Digest.sha256(content);
        assertThat(reg.send("PUT", location + "?digest=" + d, null).statusCode()).isEqualTo(201);
        assertThat(reg.get("/v2/app/blobs/" + d).body()).isEqualTo(content);
    }

    @Test
    void sha512Digests() throws Exception {
        byte[] content = random(5000, 6);
        Digest d = Hashing.of("sha512", content);
        HttpResponse<byte[]> r = reg.send("POST", "/v2/app/blobs/uploads/?digest=" + d, content);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(reg.get("/v2/app/blobs/" + d).body()).isEqualTo(content);
    }

    @Test
    void cancelledAndUnknownUploads() throws Exception {
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        assertThat(reg.send("DELETE", location, null).statusCode()).isEqualTo(204);
        HttpResponse<byte[]> gone = reg.get(location);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(errorCode(gone)).isEqualTo("BLOB_UPLOAD_UNKNOWN");

        assertThat(errorCode(reg.get("/v2/app/blobs/uploads/not-a-uuid"))).isEqualTo("BLOB_UPLOAD_UNKNOWN");

        // A session belongs to the repository it was started in.
        String other = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        String foreign = other.replace("/v2/app/", "/v2/elsewhere/");
        assertThat(errorCode(reg.get(foreign))).isEqualTo("BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void putWithoutDigestIsRefused() throws Exception {
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        HttpResponse<byte[]> r = reg.send("PUT", location, new byte[] {1, 2, 3});
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("DIGEST_INVALID");
    }

    @Test
    void crossRepositoryMount() throws Exception {
        Digest d = reg.pushBlob("source", random(100, 7));
        HttpResponse<byte[]> mounted = reg.send("POST", "/v2/target/blobs/uploads/?mount=" + d + "&from=source", null);
        assertThat(mounted.statusCode()).isEqualTo(201);
        assertThat(mounted.headers().firstValue("Location")).contains("/v2/target/blobs/" + d);
        assertThat(reg.get("/v2/target/blobs/" + d).statusCode()).isEqualTo(200);

        // From a repository that does not hold the blob, the registry starts an ordinary upload instead.
        HttpResponse<byte[]> fallback = reg.send("POST", "/v2/third/blobs/uploads/?mount=" + d + "&from=nobody",
                null);
        assertThat(fallback.statusCode()).isEqualTo(202);
        assertThat(fallback.headers().firstValue("Location").orElseThrow()).contains("/v2/third/blobs/uploads/");

        // Without from, any blob the registry holds can be mounted.
        assertThat(reg.send("POST", "/v2/fourth/blobs/uploads/?mount=" + d, null).statusCode()).isEqualTo(201);
    }

    @Test
    void uploadSessionSurvivesARestart() throws Exception {
        byte[] content = random(50_000, 8);
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        reg.send("PATCH", location, Arrays.copyOfRange(content, 0, 20_000), "Content-Range", "0-19999");
        // What a crash mid-write leaves behind is cleared on start, and never served.
        Path leftover = root.resolve("blobs/sha256/.tmp-crashed");
        Files.createDirectories(leftover.getParent());
        Files.write(leftover, new byte[] {1});
        reg.restart();
        assertThat(leftover).doesNotExist();
        assertThat(reg.get(location).headers().firstValue("Range")).contains("0-19999");
        reg.send("PATCH", location, Arrays.copyOfRange(content, 20_000, content.length),
                "Content-Range", "20000-49999");
        Digest d = Digest.sha256(content);
        assertThat(reg.send("PUT", location + "?digest=" + d, null).statusCode()).isEqualTo(201);
        assertThat(reg.get("/v2/app/blobs/" + d).body()).isEqualTo(content);
    }

    @Test
    void deleteBlobFromRepository() throws Exception {
        Digest d = reg.pushBlob("app", random(10, 9));
        assertThat(reg.send("DELETE", "/v2/app/blobs/" + d, null).statusCode()).isEqualTo(202);
        assertThat(errorCode(reg.get("/v2/app/blobs/" + d))).isEqualTo("BLOB_UNKNOWN");
    }

    @Test
    void invalidNamesAreRefused() throws Exception {
        for (String path : new String[] {"/v2/Upper/tags/list", "/v2/a..b/tags/list", "/v2/%2e%2e/etc/tags/list",
                "/v2/a/_x/tags/list", "/v2/-a/blobs/uploads/"}) {
            HttpResponse<byte[]> r = reg.send(path.endsWith("uploads/") ? "POST" : "GET", path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(errorCode(r)).as(path).isEqualTo("NAME_INVALID");
        }
    }

    @Test
    void sixteenClientsPushingTheSameAndDifferentBlobs() throws Exception {
        byte[] shared = random(2 << 20, 10);
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            contents.add(i % 2 == 0 ? shared : random(300_000 + i, 100 + i));
        }
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (byte[] content : contents) {
                results.add(pool.submit(() -> {
                    String location = reg.send("POST", "/v2/many/blobs/uploads/", null).headers()
                            .firstValue("Location").orElseThrow();
                    int half = content.length / 2;
                    reg.send("PATCH", location, Arrays.copyOfRange(content, 0, half), "Content-Range",
                            "0-" + (half - 1));
                    reg.send("PATCH", location, Arrays.copyOfRange(content, half, content.length), "Content-Range",
                            half + "-" + (content.length - 1));
                    return reg.send("PUT", location + "?digest=" + Digest.sha256(content), null).statusCode();
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(201);
            }
        }
        for (byte[] content : contents) {
            assertThat(reg.get("/v2/many/blobs/" + Digest.sha256(content)).body()).isEqualTo(content);
        }
        try (var s = Files.list(root.resolve("blobs/sha256"))) {
            assertThat(s.filter(p -> !p.getFileName().toString().startsWith(".")).count()).isEqualTo(9);
        }
        try (var s = Files.list(root.resolve("uploads"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void idleUploadSessionsExpire() throws Exception {
        reg.close();
        reg = new RegistryClient(root, Duration.ofMillis(300));
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        assertThat(reg.get(location).statusCode()).isEqualTo(204);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (reg.get(location).statusCode() == 204 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(errorCode(reg.get(location))).isEqualTo("BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void aSessionTakesOneWriterAtATime() throws Exception {
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        try (Socket slow = new Socket("127.0.0.1", reg.port())) {
            OutputStream out = slow.getOutputStream();
            out.write(("PATCH " + location + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The first request holds the session until its body ends; a second writer is turned away.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!reg.get(location).headers().firstValue("Range").orElse("").equals("0-4")
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            HttpResponse<byte[]> busy = reg.send("PATCH", location, "other".getBytes(StandardCharsets.UTF_8));
            assertThat(busy.statusCode()).isEqualTo(400);
            assertThat(errorCode(busy)).isEqualTo("BLOB_UPLOAD_INVALID");
            out.write("world".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new String(slow.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 202");
        }
        Digest d = Digest.sha256("helloworld".getBytes(StandardCharsets.UTF_8));
        assertThat(reg.send("PUT", location + "?digest=" + d, null).statusCode()).isEqualTo(201);
    }

    @Test
    void aDroppedConnectionFreesItsSession() throws Exception {
        String location = reg.send("POST", "/v2/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        try (Socket dropped = new Socket("127.0.0.1", reg.port())) {
            dropped.getOutputStream().write(("PATCH " + location
                    + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello").getBytes(StandardCharsets.US_ASCII));
            dropped.getOutputStream().flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!reg.get(location).headers().firstValue("Range").orElse("").equals("0-4")
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        // The client went away mid-chunk; what reached the disk stays, and the session takes writers again.
        HttpResponse<byte[]> next = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            if (next != null) {
                Thread.sleep(20);
            }
            next = reg.send("PATCH", location, "world".getBytes(StandardCharsets.UTF_8), "Content-Range", "5-9");
        } while (next.statusCode() == 400 && System.nanoTime() < deadline);
        assertThat(next.statusCode()).isEqualTo(202);
        Digest d = Digest.sha256("helloworld".getBytes(StandardCharsets.UTF_8));
        assertThat(reg.send("PUT", location + "?digest=" + d, null).statusCode()).isEqualTo(201);
    }
}
