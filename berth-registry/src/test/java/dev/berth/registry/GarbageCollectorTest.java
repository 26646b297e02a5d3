package dev.berth.registry;

import dev.berth.oci.Digest;
import dev.berth.oci.MediaTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** gc marks from every manifest revision, sweeps the rest, and never deletes what a racing push was promised. */
class GarbageCollectorTest {
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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String descriptor(String mediaType, Digest d, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + size + "}";
    }

    private static byte[] manifest(Digest config, long configSize, Digest layer, long layerSize) {
        return utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + descriptor(MediaTypes.OCI_CONFIG, config, configSize) + ",\"layers\":["
                + descriptor(MediaTypes.OCI_LAYER_GZIP, layer, layerSize) + "]}");
    }

    private HttpResponse<byte[]> putManifest(String repo, String ref, byte[] m) throws Exception {
        return reg.send("PUT", "/v2/" + repo + "/manifests/" + ref, m, "Content-Type", MediaTypes.OCI_MANIFEST);
    }

    /** Makes every stored blob look a day old, as if pushed long before the collection. */
    private void ageAllBlobs() throws Exception {
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(1)));
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(p, old);
            }
        }
    }

    private String gcCli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new RegistryMain());
        cli.setOut(new PrintWriter(out));
        List<String> all = new ArrayList<>(List.of("gc", "--root", root.toString()));
        all.addAll(List.of(args));
        assertThat(cli.execute(all.toArray(String[]::new))).isZero();
        return out.toString();
    }

    @Test
    void unreferencedBlobsAreSweptAndReferencedOnesStay() throws Exception {
        byte[] config = utf8("{\"os\":\"linux\"}");
        byte[] layer = utf8("layer kept");
        Digest c = reg.pushBlob("app", config);
        Digest l = reg.pushBlob("app", layer);
        byte[] m = manifest(c, config.length, l, layer.length);
        assertThat(putManifest("app", "v1", m).statusCode()).isEqualTo(201);
        Digest orphan = reg.pushBlob("app", utf8("pushed, never referenced"));
        byte[] gone = utf8("layer of a deleted manifest");
        Digest g = reg.pushBlob("other", gone);
        Digest gc2 = reg.pushBlob("other", config);
        byte[] m2 = manifest(gc2, config.length, g, gone.length);
        assertThat(putManifest("other", "v1", m2).statusCode()).isEqualTo(201);
        assertThat(reg.send("DELETE", "/v2/other/manifests/" + Digest.sha256(m2), null).statusCode())
                .isEqualTo(202);
        Digest fresh = reg.pushBlob("app", utf8("pushed just now"));
        ageAllBlobs();
        Files.setLastModifiedTime(root.resolve("blobs/sha256/" + fresh.hex()), FileTime.from(Instant.now()));

        String dry = gcCli("--dry-run");
        assertThat(dry).contains("would delete " + orphan, "would delete " + g,
                "would delete " + Digest.sha256(m2)).doesNotContain(fresh.toString()).doesNotContain(l.toString());
        assertThat(Files.exists(root.resolve("blobs/sha256/" + orphan.hex()))).isTrue();

        String run = gcCli();
        assertThat(run).contains("deleted " + orphan, "deleted " + g).contains("3 deleted");
        for (Digest d : List.of(orphan, g)) {
            assertThat(Files.exists(root.resolve("blobs/sha256/" + d.hex()))).isFalse();
        }
        assertThat(reg.get("/v2/app/blobs/" + orphan).statusCode()).isEqualTo(404);
        // What the tag references, and the blob within the grace period, are all still served.
        assertThat(reg.get("/v2/app/manifests/v1").body()).isEqualTo(m);
        assertThat(reg.get("/v2/app/blobs/" + l).body()).isEqualTo(layer);
        assertThat(reg.get("/v2/app/blobs/" + c).body()).isEqualTo(config);
        assertThat(reg.get("/v2/app/blobs/" + fresh).statusCode()).isEqualTo(200);
        assertThat(gcCli()).contains("0 deleted");
    }

    @Test
    void aPushRacingTheCollectorKeepsEveryBlobItWasToldExists() throws Exception {
        byte[] config = utf8("{\"os\":\"linux\"}");
        byte[] layer = new byte[4096];
        new java.util.Random(7).nextBytes(layer);
        Digest c = reg.pushBlob("race", config);
        Digest l = reg.pushBlob("race", layer);
        byte[] m = manifest(c, config.length, l, layer.length);
        Digest md = Digest.sha256(m);
        GarbageCollector collector = new GarbageCollector(root, Duration.ofSeconds(30));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger deleted = new AtomicInteger();
        Thread gc = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    deleted.addAndGet(collector.run(false).deleted().size());
                    runs.incrementAndGet();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        try {
            for (int i = 0; i < 150; i++) {
                // Unreferenced and old: exactly what the collector is looking for.
                assertThat(reg.send("DELETE", "/v2/race/manifests/" + md, null).statusCode()).isIn(202, 404);
                ageAllBlobs();
                boolean hasConfig = reg.send("HEAD", "/v2/race/blobs/" + c, null).statusCode() == 200;
                boolean hasLayer = reg.send("HEAD", "/v2/race/blobs/" + l, null).statusCode() == 200;
                // Like docker push: upload only what the registry says it lacks, then push the manifest.
                if (!hasConfig) {
                    reg.pushBlob("race", config);
                }
                if (!hasLayer) {
                    reg.pushBlob("race", layer);
                }
                HttpResponse<byte[]> put = putManifest("race", "v1", m);
                assertThat(put.statusCode()).as("round %d: %s", i, new String(put.body(), StandardCharsets.UTF_8))
                        .isEqualTo(201);
                assertThat(reg.get("/v2/race/blobs/" + l).body()).as("round %d", i).isEqualTo(layer);
            }
        } finally {
            stop.set(true);
            gc.join();
        }
        assertThat(runs.get()).isPositive();
        try (Stream<Path> s = Files.list(root.resolve("blobs/sha256"))) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".gc-"));
        }
    }

    @Test
    void tombstonesOfACrashedCollectionAreRestoredAtStart() throws Exception {
        Digest d = reg.pushBlob("app", utf8("set aside"));
        Path blob = root.resolve("blobs/sha256/" + d.hex());
        Files.move(blob, blob.resolveSibling(GarbageCollector.TOMBSTONE + d.hex()));
        reg.restart();
        assertThat(Files.exists(blob)).isTrue();
        assertThat(reg.get("/v2/app/blobs/" + d).statusCode()).isEqualTo(200);
    }
}
