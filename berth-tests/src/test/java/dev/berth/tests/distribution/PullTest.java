package dev.berth.tests.distribution;

import dev.berth.registry.RegistryServer;
import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** docker pull (and docker run of a missing image) against berth-registry and a registry that lies. */
class PullTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    static RegistryServer registry;
    static Path registryRoot;
    static String host;
    static TestImage busybox;
    static TestImage arm64;

    @BeforeAll
    static void startRegistry() throws Exception {
        registryRoot = Files.createTempDirectory("berth-pull-registry");
        registry = RegistryServer.start(registryRoot, "127.0.0.1", 0);
        host = "127.0.0.1:" + registry.port();
        byte[] rootfs = berthd.busyboxTar();
        busybox = TestImage.of("amd64", List.of(rootfs, TestImage.fileTar("hello.txt", "hello from the registry\n")));
        busybox.push(host, "tools/busybox", "1.36");
        arm64 = TestImage.of("arm64", List.of(rootfs, TestImage.fileTar("hello.txt", "hello from arm64\n")));
        arm64.push(host, "tools/multi", "arm64-only");
        busybox.push(host, "tools/multi", "amd64-only");
        TestImage.Blob index = TestImage.index(List.of(arm64, busybox));
        TestImage.putManifest(host, "tools/multi", "latest", index);
    }

    @AfterAll
    static void stopRegistry() throws IOException {
        if (registry != null) {
            registry.close();
        }
        dev.berth.oci.LayerArchive.removeTree(registryRoot);
    }

    @Test
    void dockerPullShowsProgressDigestAndStatusThenRuns() {
        String ref = host + "/tools/busybox:1.36";
        CommandResult r = berthd.dockerOk("pull", ref);
        assertThat(r.stdout()).contains("1.36: Pulling from tools/busybox")
                .contains(busybox.layers.get(0).digest().substring(7, 19) + ": Pull complete")
                .contains("Digest: " + busybox.manifest.digest())
                .contains("Status: Downloaded newer image for " + ref);
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}} {{index .RepoDigests 0}}", ref).stdout().trim())
                .isEqualTo(busybox.config.digest() + " " + host + "/tools/busybox@" + busybox.manifest.digest());
        assertThat(berthd.dockerOk("run", "--rm", ref, "cat", "/hello.txt").stdout()).isEqualTo("hello from the registry\n");
        assertThat(berthd.dockerOk("pull", ref).stdout()).contains("Status: Image is up to date for " + ref)
                .doesNotContain("Pull complete");
        berthd.dockerOk("rmi", ref);
    }

    @Test
    void onATerminalTheDockerCliAndBerthDrawProgressBars() {
        String ref = host + "/tools/busybox:1.36";
        for (String cli : List.of(BerthdFixture.DOCKER, berthd.repo().resolve("bin/berth").toString())) {
            berthd.docker("rmi", ref);
            // script(1) gives the client a terminal, so it draws bars and redraws lines in place.
            CommandResult r = BerthdFixture.run(List.of("script", "-qec", cli + " pull " + ref, "/dev/null"), null,
                    Map.of("DOCKER_HOST", berthd.dockerHost(), "BERTH_HOST", berthd.dockerHost(), "COLUMNS", "200",
                            "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
            assertThat(r.exitCode()).as(cli + ": " + r).isZero();
            assertThat(r.stdout()).as(cli).contains("\u001b[").containsPattern("Downloading +[0-9.]+k?B/1\\.037MB")
                    .contains("Pull complete").contains("Status: Downloaded newer image for " + ref);
        }
        berthd.dockerOk("rmi", ref);
    }

    @Test
    void dockerRunPullsAMissingImageFirst() {
        String ref = host + "/tools/busybox:1.36";
        berthd.docker("rmi", ref);
        CommandResult r = berthd.dockerOk("run", "--rm", ref, "cat", "/hello.txt");
        assertThat(r.stderr()).contains("Unable to find image '" + ref + "' locally")
                .contains("Status: Downloaded newer image for " + ref);
        assertThat(r.stdout()).isEqualTo("hello from the registry\n");
        berthd.dockerOk("rmi", ref);
        CommandResult b = berthd.berthOk("run", "--rm", ref, "cat", "/hello.txt");
        assertThat(b.stderr()).contains("Unable to find image '" + ref + "' locally");
        assertThat(b.stdout()).isEqualTo("hello from the registry\n");
        berthd.dockerOk("rmi", ref);
    }

    @Test
    void pullByDigestRecordsTheRepoDigestOnly() {
        String ref = host + "/tools/busybox@" + busybox.manifest.digest();
        CommandResult r = berthd.dockerOk("pull", ref);
        assertThat(r.stdout()).contains("Status: Downloaded newer image for " + ref);
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}} {{len .RepoTags}} {{index .RepoDigests 0}}", ref).stdout().trim())
                .isEqualTo(busybox.config.digest() + " 0 " + ref);
        berthd.dockerOk("rmi", ref);
    }

    @Test
    void multiPlatformIndexResolvesToTheHostOrTheAskedPlatform() throws IOException {
        String ref = host + "/tools/multi:latest";
        berthd.dockerOk("pull", ref);
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}} {{.Architecture}}", ref).stdout().trim())
                .isEqualTo(busybox.config.digest() + " amd64");
        berthd.dockerOk("rmi", ref);
        berthd.dockerOk("pull", "--platform", "linux/arm64", ref);
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}} {{.Architecture}}", ref).stdout().trim())
                .isEqualTo(arm64.config.digest() + " arm64");
        berthd.dockerOk("rmi", ref);
        berthd.berthOk("pull", "--platform", "linux/arm64", ref);
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", ref).stdout().trim()).isEqualTo(arm64.config.digest());
        berthd.dockerOk("rmi", ref);
        CommandResult none = berthd.docker("pull", "--platform", "linux/s390x", ref);
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.stderr()).contains("no matching manifest for linux/s390x in the manifest list entries");
        ApiResult dist = berthd.api("GET", "/distribution/" + ref + "/json", null);
        assertThat(dist.status()).isEqualTo(200);
        assertThat(dist.body()).contains("\"architecture\":\"arm64\"").contains("\"architecture\":\"amd64\"");
    }

    @Test
    void layersAlreadyStoredAreNotDownloadedAgain() {
        String amd = host + "/tools/busybox:1.36";
        String arm = host + "/tools/multi:arm64-only";
        berthd.dockerOk("pull", amd);
        CommandResult r = berthd.dockerOk("pull", "--platform", "linux/arm64", arm);
        // Both images have the same busybox layer at the bottom: the second pull finds its chain stored.
        assertThat(r.stdout()).contains(arm64.layers.get(0).digest().substring(7, 19) + ": Already exists")
                .contains(arm64.layers.get(1).digest().substring(7, 19) + ": Pull complete");
        berthd.dockerOk("rmi", amd, arm);
    }

    @Test
    void unknownTagIsA404WithDockersMessage() {
        CommandResult r = berthd.docker("pull", host + "/tools/busybox:nope");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("manifest for " + host + "/tools/busybox:nope not found: manifest unknown");
    }

    @Test
    void lyingRegistryIsRefusedAndNothingIsStored() throws Exception {
        try (LyingRegistry liar = new LyingRegistry()) {
            TestImage img = TestImage.of("amd64", List.of(TestImage.randomTar("a.bin", 300_000, 1),
                    TestImage.randomTar("b.bin", 200_000, 2)));
            liar.serve("bad/flipped", "v1", img);
            liar.serve("bad/short", "v1", img);
            String flipped = img.layers.get(1).digest();
            String ref = liar.host() + "/bad/flipped:v1";
            liar.lie(flipped, new LyingRegistry.Lie(b -> {
                b[b.length / 2] ^= 1;
                return b;
            }, false));
            CommandResult r = berthd.docker("pull", ref);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stdout() + r.stderr()).contains("verification failed for digest " + flipped);
            assertNothingStored();

            TestImage other = TestImage.of("amd64", List.of(TestImage.randomTar("c.bin", 300_000, 3)));
            String shortDigest = other.layers.getFirst().digest();
            liar.serve("bad/short", "v2", other);
            liar.lie(shortDigest, new LyingRegistry.Lie(b -> java.util.Arrays.copyOf(b, b.length / 2), true));
            CommandResult s = berthd.docker("pull", liar.host() + "/bad/short:v2");
            assertThat(s.exitCode()).isEqualTo(1);
            assertThat(s.stdout() + s.stderr()).contains("layer " + shortDigest + ": download failed after");
            assertNothingStored();

            TestImage flaky = TestImage.of("amd64", List.of(TestImage.randomTar("d.bin", 300_000, 4)));
            liar.serve("flaky/app", "v1", flaky);
            liar.lie(flaky.layers.getFirst().digest(), new LyingRegistry.Lie(b -> java.util.Arrays.copyOf(b, b.length / 3), true), 1);
            CommandResult retried = berthd.dockerOk("pull", liar.host() + "/flaky/app:v1");
            assertThat(retried.stdout()).contains("Retrying in 1 second").contains("Pull complete");
            berthd.dockerOk("rmi", liar.host() + "/flaky/app:v1");

            liar.serveManifest("bad/manifest", img.manifest.digest(), other.manifest);
            CommandResult m = berthd.docker("pull", liar.host() + "/bad/manifest@" + img.manifest.digest());
            assertThat(m.exitCode()).isEqualTo(1);
            assertThat(m.stderr()).contains("manifest verification failed for digest " + img.manifest.digest());
            assertNothingStored();
        }
    }

    @Test
    void aNonDistributableLayerComesFromItsUrls() throws Exception {
        try (LyingRegistry registry = new LyingRegistry(); LyingRegistry elsewhere = new LyingRegistry()) {
            byte[] tar = TestImage.fileTar("foreign.txt", "from elsewhere\n");
            TestImage img = TestImage.of("amd64", List.of(berthd.busyboxTar(), tar));
            TestImage.Blob foreign = img.layers.get(1);
            elsewhere.serve("any/where", "x", img);
            var m = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(img.manifest.bytes());
            var layer = (com.fasterxml.jackson.databind.node.ObjectNode) m.get("layers").get(1);
            layer.put("mediaType", "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
            layer.putArray("urls").add("http://" + elsewhere.host() + "/v2/any/where/blobs/" + foreign.digest());
            TestImage.Blob manifest = TestImage.Blob.of(img.manifest.mediaType(),
                    new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(m));
            // The registry has the config and the first layer, not the foreign one.
            TestImage partial = TestImage.of("amd64", List.of(berthd.busyboxTar()));
            registry.serve("foreign/app", "ignored", partial);
            registry.serve("foreign/app", "ignored2", img);
            registry.forget(foreign.digest());
            registry.serveManifest("foreign/app", "v1", manifest);
            String ref = registry.host() + "/foreign/app:v1";
            berthd.dockerOk("pull", ref);
            assertThat(berthd.dockerOk("run", "--rm", ref, "cat", "/foreign.txt").stdout()).isEqualTo("from elsewhere\n");
            assertThat(elsewhere.blobRequests.get(foreign.digest()).get()).isEqualTo(1);
            berthd.dockerOk("rmi", ref);
        }
    }

    private static void assertNothingStored() throws IOException {
        assertThat(berthd.dockerOk("images", "-q", "--filter", "reference=*/bad/*").stdout()).isEmpty();
        try (Stream<Path> s = Files.list(berthd.dataRoot().resolve("content/tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
        try (Stream<Path> s = Files.list(berthd.dataRoot().resolve("layers/tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
    }
}
