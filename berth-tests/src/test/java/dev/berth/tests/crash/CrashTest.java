package dev.berth.tests.crash;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of berthd while containers run and in the middle of an import: a restart shows a consistent state. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @Test
    @Order(1)
    void containersSurviveAKilledDaemonAndExitsWhileItIsDownAreRecorded() throws Exception {
        berthd.importBusybox("busybox");
        out(berthd.docker("run", "-d", "--name", "survivor", "busybox", "sleep", "1000"));
        out(berthd.docker("run", "-d", "--name", "quitter", "busybox", "sh", "-c", "sleep 2; exit 7"));
        out(berthd.docker("create", "--name", "idle", "busybox", "true"));
        String survivorPid = out(berthd.docker("inspect", "-f", "{{.State.Pid}}", "survivor"));

        berthd.kill9();
        Instant killedAt = Instant.now();
        Thread.sleep(4000); // quitter exits while no daemon is watching
        berthd.restart();

        assertThat(out(berthd.docker("inspect", "-f", "{{.State.Status}} {{.State.Pid}}", "survivor")))
                .isEqualTo("running " + survivorPid);
        assertThat(Files.exists(Path.of("/proc", survivorPid))).isTrue();
        assertThat(out(berthd.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "quitter"))).isEqualTo("exited 7");
        Instant finished = Instant.parse(out(berthd.docker("inspect", "-f", "{{.State.FinishedAt}}", "quitter")));
        assertThat(finished).isAfter(killedAt.minusSeconds(1)).isBefore(Instant.now());
        assertThat(out(berthd.docker("inspect", "-f", "{{.State.Status}}", "idle"))).isEqualTo("created");
        assertThat(out(berthd.docker("ps", "--format", "{{.Names}}"))).isEqualTo("survivor");

        // The re-adopted container is fully managed again: stop, wait and remove work.
        out(berthd.docker("stop", "-t", "1", "survivor"));
        assertThat(Files.exists(Path.of("/proc", survivorPid))).isFalse();
        out(berthd.docker("rm", "survivor", "quitter", "idle"));
        assertThat(out(berthd.docker("ps", "-aq"))).isEmpty();
    }

    @Test
    @Order(2)
    void aKillInTheMiddleOfAnImportLeavesNoHalfImage() throws Exception {
        String imagesBefore = out(berthd.docker("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"));
        assertThat(imagesBefore).contains("busybox:latest");
        List<Path> layersBefore = layerDirs();

        Thread sender = Thread.ofVirtual().start(() -> {
            try {
                streamEndlessImport();
            } catch (IOException expected) {
                // the daemon dies under us
            }
        });
        waitForTempData();
        berthd.kill9();
        sender.join(10_000);
        berthd.restart();

        assertThat(out(berthd.docker("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"))).isEqualTo(imagesBefore);
        assertThat(layerDirs()).isEqualTo(layersBefore);
        assertThat(berthd.docker("image", "inspect", "half:1").exitCode()).isEqualTo(1);
        CommandResult run = berthd.docker("run", "--rm", "busybox", "echo", "still", "here");
        assertThat(run.out()).as(run.toString()).isEqualTo("still here");
    }

    @Test
    @Order(3)
    void aKilledDaemonsCopyOfTheSqliteLibraryStaysInItsDataRootAndGoesAtTheNextStart() throws Exception {
        Path dir = berthd.dataRoot().resolve("native");
        List<String> before = sqliteLibraries(dir);
        assertThat(before).as("the driver unpacks its library here, not in /tmp").hasSize(1);
        berthd.kill9(); // no shutdown hook runs: the driver's copy stays
        berthd.restart();
        List<String> after = sqliteLibraries(dir);
        assertThat(after).hasSize(1).doesNotContainAnyElementsOf(before);
    }

    private static List<String> sqliteLibraries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".so")).toList();
        }
    }

    /** Sends a tar with an endless file until the connection breaks. */
    private static void streamEndlessImport() throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(berthd.socket()));
            OutputStream raw = Channels.newOutputStream(ch);
            raw.write(("POST /v1.50/images/create?fromSrc=-&repo=half&tag=1 HTTP/1.1\r\nHost: berth\r\n"
                    + "Content-Type: application/x-tar\r\nContent-Length: 10000000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            TarArchiveOutputStream tar = new TarArchiveOutputStream(raw);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            TarArchiveEntry e = new TarArchiveEntry("big.bin");
            e.setSize(9_000_000_000L);
            tar.putArchiveEntry(e);
            byte[] chunk = new byte[1 << 16];
            new Random(1).nextBytes(chunk);
            while (true) {
                tar.write(chunk);
            }
        }
    }

    /** Waits until the import has written part of the layer somewhere under the data root. */
    private static void waitForTempData() throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Stream<Path> s = Files.walk(berthd.dataRoot())) {
                if (s.anyMatch(p -> p.getFileName().toString().equals("big.bin") && sizeOf(p) > 4_000_000)) {
                    return;
                }
            } catch (IOException raced) {
                // a directory vanished while walking
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the import never started writing:\n" + berthd.log());
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static List<Path> layerDirs() throws IOException {
        try (Stream<Path> s = Files.list(berthd.dataRoot().resolve("layers"))) {
            return s.sorted().toList();
        }
    }

    private static String out(CommandResult r) {
        return r.ok().out();
    }
}
