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
    void dockerRunPullsAMissingImageFirst() {
        String ref = host + "/tools/busybox:1.36";
        berthd.docker("rmi", ref);
        CommandResult r = berthd.dockerOk("run", "--rm", ref, "cat", "/hello.txt");
        assertThat(r.stderr()).contains("Unable to find image '" + ref + "' locally")
                .contains("Status: Downloaded newer image for " + ref);
        assertThat(r.stdout()).isEqualTo("hello from the registry\n");
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
        CommandResult none = berthd.docker("pull", "--platform", "linux/s390x", ref);
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.stderr()).contains("no matching manifest for linux/s390x in the manifest list entries");
        ApiResult dist = berthd.api("GET", "/distribution/" + ref + "/json", null);
        assertThat(dist.status()).isEqualTo(200);
        assertThat(dist.body()).contains("\"architecture\":\"arm64\"").contains("\"architecture\":\"amd64\"");
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

            liar.serveManifest("bad/manifest", img.manifest.digest(), other.manifest);
            CommandResult m = berthd.docker("pull", liar.host() + "/bad/manifest@" + img.manifest.digest());
            assertThat(m.exitCode()).isEqualTo(1);
            assertThat(m.stderr()).contains("manifest verification failed for digest " + img.manifest.digest());
            assertNothingStored();
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
