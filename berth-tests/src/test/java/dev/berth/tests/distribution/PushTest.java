package dev.berth.tests.distribution;

import dev.berth.registry.RegistryServer;
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

import static org.assertj.core.api.Assertions.assertThat;

/** docker push and berth push/pull against berth-registry: mounts, existing layers, round trips. */
class PushTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    static RegistryServer registry;
    static Path registryRoot;
    static String host;
    static TestImage busybox;

    @BeforeAll
    static void startRegistry() throws Exception {
        registryRoot = Files.createTempDirectory("berth-push-registry");
        registry = RegistryServer.start(registryRoot, "127.0.0.1", 0);
        host = "127.0.0.1:" + registry.port();
        busybox = TestImage.of("amd64", List.of(berthd.busyboxTar(), TestImage.fileTar("hello.txt", "pushed\n")));
        busybox.push(host, "tools/busybox", "1.36");
    }

    @AfterAll
    static void stopRegistry() throws IOException {
        if (registry != null) {
            registry.close();
        }
        dev.berth.oci.LayerArchive.removeTree(registryRoot);
    }

    @Test
    void dockerPushMountsKnownLayersThenFindsThemThere() {
        String src = host + "/tools/busybox:1.36";
        String dst = host + "/team/app:1.0";
        berthd.dockerOk("pull", src);
        berthd.dockerOk("tag", src, dst);
        CommandResult r = berthd.dockerOk("push", dst);
        String layer0 = busybox.diffIds.get(0).substring(7, 19);
        assertThat(r.stdout()).contains("The push refers to repository [" + host + "/team/app]")
                .contains(layer0 + ": Mounted from tools/busybox")
                .containsPattern("1\\.0: digest: sha256:[0-9a-f]{64} size: \\d+");
        String digest = r.stdout().replaceAll("(?s).*1\\.0: digest: (sha256:[0-9a-f]{64}).*", "$1");
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{json .RepoDigests}}", dst).stdout())
                .contains(host + "/team/app@" + digest);
        CommandResult again = berthd.dockerOk("push", dst);
        assertThat(again.stdout()).contains(layer0 + ": Layer already exists").contains("1.0: digest: " + digest);

        berthd.dockerOk("rmi", src, dst);
        CommandResult back = berthd.dockerOk("pull", dst);
        assertThat(back.stdout()).contains("Digest: " + digest);
        assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", dst).stdout().trim()).isEqualTo(busybox.config.digest());
        berthd.dockerOk("rmi", dst);
    }

    @Test
    void berthPushUploadsToAFreshRegistryAndBerthPullGetsItBack() throws Exception {
        Path root = Files.createTempDirectory("berth-push-fresh");
        try (RegistryServer fresh = RegistryServer.start(root, "127.0.0.1", 0)) {
            String src = host + "/tools/busybox:1.36";
            String dst = "127.0.0.1:" + fresh.port() + "/solo/app";
            berthd.berthOk("pull", src);
            berthd.berthOk("tag", src, dst);
            CommandResult r = berthd.berthOk("push", dst);
            assertThat(r.stdout()).startsWith("Using default tag: latest\nThe push refers to repository [" + dst + "]")
                    .contains(busybox.diffIds.get(1).substring(7, 19) + ": Pushed")
                    .containsPattern("latest: digest: sha256:[0-9a-f]{64} size: \\d+");
            berthd.berthOk("rmi", src, dst);
            CommandResult p = berthd.berthOk("pull", dst);
            assertThat(p.stdout()).startsWith("Using default tag: latest\nlatest: Pulling from solo/app\n")
                    .contains("Pull complete")
                    .endsWith("Status: Downloaded newer image for " + dst + ":latest\n" + dst + ":latest\n");
            assertThat(berthd.dockerOk("run", "--rm", dst, "cat", "/hello.txt").stdout()).isEqualTo("pushed\n");
            // pulls and pushes are image events, named by reference as Docker names them
            String until = Long.toString(java.time.Instant.now().getEpochSecond() + 1);
            assertThat(berthd.dockerOk("events", "--since", "0", "--until", until, "--filter", "type=image",
                    "--filter", "event=pull", "--filter", "event=push", "--format", "{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}")
                    .stdout().lines()).containsSubsequence("pull " + src + " " + src.replace(":1.36", ""),
                    "push " + dst + ":latest " + dst, "pull " + dst + ":latest " + dst);
            berthd.berthOk("rmi", dst);
        } finally {
            dev.berth.oci.LayerArchive.removeTree(root);
        }
    }

    @Test
    void ociZstdAndUncompressedLayersPullQuietlyAndAllTagsPull() throws Exception {
        TestImage oci = TestImage.ociMixed(List.of(berthd.busyboxTar(), TestImage.fileTar("z.txt", "zstd and plain\n")));
        oci.push(host, "formats/oci", "a");
        TestImage.putManifest(host, "formats/oci", "b", oci.manifest);
        String ref = host + "/formats/oci:a";
        assertThat(berthd.berthOk("pull", "-q", ref).stdout()).isEqualTo(ref + "\n");
        assertThat(berthd.dockerOk("run", "--rm", ref, "cat", "/z.txt").stdout()).isEqualTo("zstd and plain\n");
        berthd.berthOk("rmi", ref);
        CommandResult all = berthd.berthOk("pull", "-a", host + "/formats/oci");
        assertThat(all.stdout()).contains("a: Pulling from formats/oci").contains("b: Pulling from formats/oci")
                .endsWith(host + "/formats/oci\n");
        assertThat(berthd.dockerOk("images", "--format", "{{.Tag}}", host + "/formats/oci").stdout().lines().sorted().toList())
                .containsExactly("a", "b");
        berthd.dockerOk("rmi", ref, host + "/formats/oci:b");
    }

    @Test
    void layersUploadInParallel() throws Exception {
        Path root = Files.createTempDirectory("berth-push-parallel");
        try (RegistryServer fresh = RegistryServer.start(root, "127.0.0.1", 0);
             AuthProxy proxy = new AuthProxy(AuthProxy.Mode.NONE, "", "", "127.0.0.1:" + fresh.port())) {
            String src = host + "/tools/busybox:1.36";
            String dst = proxy.host() + "/par/app:1";
            berthd.dockerOk("pull", src);
            berthd.dockerOk("tag", src, dst);
            // Each layer's PUT waits until the other has arrived too: sequential uploads would meet no one.
            proxy.uploadRendezvous = new java.util.concurrent.CountDownLatch(2);
            assertThat(berthd.dockerOk("push", dst).stdout()).contains("1: digest: sha256:");
            assertThat(proxy.maxUploadsInFlight.get()).isGreaterThanOrEqualTo(2);
            berthd.dockerOk("rmi", src, dst);
        } finally {
            dev.berth.oci.LayerArchive.removeTree(root);
        }
    }

    @Test
    void pushOfAMissingImageIsA404() {
        CommandResult r = berthd.docker("push", host + "/nope/nothing:1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("An image does not exist locally with the tag: " + host + "/nope/nothing");
    }
}
