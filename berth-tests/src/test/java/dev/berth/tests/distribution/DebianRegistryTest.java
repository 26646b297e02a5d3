package dev.berth.tests.distribution;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Push to and pull from Debian's docker-registry (distribution 2.x), the registry Docker's own tooling grew from. */
class DebianRegistryTest {
    private static final Path BINARY = Path.of("/usr/bin/docker-registry");

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @Test
    void pushThenPullBackThroughDistribution() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "docker-registry is not installed (scripts/install-deps.sh)");
        Path dir = Files.createTempDirectory("berth-debian-registry");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port));
        Process registry = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        try {
            awaitPort(port);
            String host = "127.0.0.1:" + port;
            berthd.importBusybox("debian-src:1");
            String ref = host + "/debian/busybox:1";
            berthd.dockerOk("tag", "debian-src:1", ref);
            CommandResult push = berthd.dockerOk("push", ref);
            assertThat(push.stdout()).contains("Pushed").containsPattern("1: digest: sha256:[0-9a-f]{64} size: \\d+");
            String id = berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", ref).stdout().trim();
            berthd.dockerOk("rmi", "debian-src:1", ref);
            CommandResult pull = berthd.dockerOk("pull", ref);
            assertThat(pull.stdout()).contains("Pull complete").contains("Status: Downloaded newer image for " + ref);
            assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", ref).stdout().trim()).isEqualTo(id);
            assertThat(berthd.dockerOk("run", "--rm", ref, "echo", "from debian's registry").stdout())
                    .isEqualTo("from debian's registry\n");
            berthd.dockerOk("rmi", ref);
        } finally {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly();
            }
            dev.berth.oci.LayerArchive.removeTree(dir);
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("docker-registry did not start on " + port);
    }
}
