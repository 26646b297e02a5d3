package dev.berth.tests.distribution;

import dev.berth.registry.RegistryServer;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Docker Hub images come from the configured registry mirror (this machine cannot reach Docker Hub). */
class MirrorTest {
    static final int PORT = freePort();

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--registry-mirror", "http://127.0.0.1:" + PORT);

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void officialImagesArePulledThroughTheMirror() throws Exception {
        Path root = Files.createTempDirectory("berth-mirror");
        try (RegistryServer mirror = RegistryServer.start(root, "127.0.0.1", PORT)) {
            TestImage img = TestImage.of("amd64", List.of(berthd.busyboxTar(), TestImage.fileTar("m.txt", "mirrored\n")));
            img.push("127.0.0.1:" + PORT, "library/busybox", "mirrored");
            CommandResult r = berthd.dockerOk("pull", "busybox:mirrored");
            assertThat(r.stdout()).contains("mirrored: Pulling from library/busybox")
                    .contains("Status: Downloaded newer image for busybox:mirrored")
                    .endsWith("docker.io/library/busybox:mirrored\n");
            assertThat(berthd.dockerOk("image", "inspect", "-f", "{{index .RepoDigests 0}}", "busybox:mirrored").stdout().trim())
                    .isEqualTo("busybox@" + img.manifest.digest());
            assertThat(berthd.dockerOk("run", "--rm", "busybox:mirrored", "cat", "/m.txt").stdout()).isEqualTo("mirrored\n");
            berthd.dockerOk("rmi", "busybox:mirrored");
            // Not on the mirror: Docker Hub itself is tried next, and is unreachable here.
            CommandResult missing = berthd.docker("pull", "busybox:not-on-mirror");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr()).contains("registry-1.docker.io");
        } finally {
            dev.berth.oci.LayerArchive.removeTree(root);
        }
    }
}
