package dev.berth.tests.system;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** berthd listens on TCP as well as its unix socket, but unauthenticated only when told it is insecure. */
class TcpListenTest {
    private static final int PORT = freePort();

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("-H", "tcp://127.0.0.1:" + PORT, "--insecure-tcp");

    @Test
    void dockerCliWorksOverLoopbackTcp() {
        CommandResult r = BerthdFixture.run(List.of(BerthdFixture.DOCKER, "-H", "tcp://127.0.0.1:" + PORT,
                "version", "--format", "{{.Server.APIVersion}}"), null, Map.of("DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("1.50");
        assertThat(berthd.log()).contains("SECURITY: the API on tcp://127.0.0.1:" + PORT + " is plain HTTP");
    }

    @Test
    void refusesPlainTcpWithoutTheInsecureFlag() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "bit-tcp-");
        try {
            CommandResult r = BerthdFixture.run(List.of(berthd.repo().resolve("bin/berthd").toString(),
                    "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("run").toString(),
                    "-H", "unix://" + dir.resolve("run/berth.sock"), "-H", "tcp://0.0.0.0:" + freePort()), null, Map.of());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("without --tlsverify").contains("--insecure-tcp");
        } finally {
            BerthdFixture.run(List.of("rm", "-rf", dir.toString()), null, Map.of());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
