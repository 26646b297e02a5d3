package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * berthd releases runc's init through its exec FIFO and cleans up exits without runc only when
 * the runtime is runc; any other runtime name gets the plain OCI commands ({@code start},
 * {@code delete}). Here that other runtime is runc under another name.
 */
class RuntimeFallbackTest {
    private static final Path LINK_DIR = linkDir();

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--runtime", LINK_DIR.resolve("oci-runtime").toString());

    private static Path linkDir() {
        try {
            Path dir = Files.createTempDirectory("berth-runtime-link");
            Files.createSymbolicLink(dir.resolve("oci-runtime"), Path.of(BerthdFixture.run(
                    java.util.List.of("sh", "-c", "command -v runc"), null, java.util.Map.of()).out()));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    @AfterAll
    static void removeLink() throws IOException {
        Files.deleteIfExists(LINK_DIR.resolve("oci-runtime"));
        Files.deleteIfExists(LINK_DIR);
    }

    @Test
    void containersRunThroughThePlainRuntimeCommands() throws Exception {
        CommandResult r = berthd.docker("run", "--rm", "busybox", "sh", "-c", "echo hello; exit 3");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("hello\n");
        assertThat(berthd.docker("run", "--rm", "busybox", "nosuch").exitCode()).isEqualTo(127);

        String id = berthd.dockerOk("run", "-d", "busybox", "sleep", "100").out();
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}}", id).out()).isEqualTo("running");
        berthd.dockerOk("stop", "-t", "0", id);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id).out()).isEqualTo("exited 137");
        // runc delete ran: no state left for the exited container
        assertThat(berthd.execRoot().resolve("runc").resolve(id)).doesNotExist();
        berthd.dockerOk("start", id);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}}", id).out()).isEqualTo("running");
        berthd.dockerOk("rm", "-f", id);
    }
}
