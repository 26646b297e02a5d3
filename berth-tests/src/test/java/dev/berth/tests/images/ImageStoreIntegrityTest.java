package dev.berth.tests.images;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Hostile layer tars are refused with 400 and change nothing; a crash mid-import leaves nothing behind. */
class ImageStoreIntegrityTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    /** A tar built entry by entry. */
    private static final class Tar {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final TarArchiveOutputStream out = new TarArchiveOutputStream(bytes);

        Tar file(String name, String content) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(b.length);
            e.setMode(0644);
            out.putArchiveEntry(e);
            out.write(b);
            out.closeArchiveEntry();
            return this;
        }

        Tar link(String name, byte type, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            e.setLinkName(target);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        byte[] done() throws IOException {
            out.close();
            return bytes.toByteArray();
        }
    }

    private static String images() {
        CommandResult r = berthd.docker("images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.out();
    }

    private static List<String> layerDirs() throws IOException {
        try (var s = Files.list(berthd.dataRoot().resolve("layers"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertRefused(byte[] tar, String message) throws IOException {
        String before = images();
        List<String> layersBefore = layerDirs();
        ApiResult r = berthd.apiRaw("POST", "/images/create?fromSrc=-&repo=hostile", "application/x-tar", tar);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.body()).contains(message);
        assertThat(images()).isEqualTo(before);
        assertThat(layerDirs()).isEqualTo(layersBefore);
        try (var s = Files.list(berthd.dataRoot().resolve("layers/tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void hostileTarsAreRefusedAndTheStoreIsUnchanged() throws Exception {
        berthd.importBusybox("kept:latest");
        assertRefused(new Tar().file("../escape", "x").done(), "path escapes the layer root");
        assertRefused(new Tar().file("/etc/abs", "x").done(), "absolute paths are not allowed");
        assertRefused(new Tar().link("evil", TarConstants.LF_SYMLINK, "/etc").file("evil/passwd", "x").done(),
                "parent path \\\"evil\\\" is a symlink");
        assertRefused(new Tar().link("h", TarConstants.LF_LINK, "../../../etc/shadow").done(), "is outside the layer");
        assertRefused(new Tar().link("h", TarConstants.LF_LINK, "etc/passwd").done(), "not a file extracted earlier");
        assertRefused(new Tar().link("a/up", TarConstants.LF_SYMLINK, "../../..").done(), "escapes the layer root");
        assertRefused("this is not a tar".getBytes(StandardCharsets.UTF_8), "invalid tar");
        assertThat(Path.of("/escape")).doesNotExist();
        // The docker CLI shows the daemon's reason and fails.
        CommandResult cli = berthd.dockerWithInput(new Tar().file("../escape", "x").done(), "import", "-", "hostile:cli");
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.stderr()).contains("path escapes the layer root");
        assertThat(images()).contains("kept:latest").doesNotContain("hostile");
    }

    @Test
    void killDuringImportLeavesNoImageAndNoLayer() throws Exception {
        berthd.importBusybox("before-crash:latest");
        String before = images();
        List<String> layersBefore = layerDirs();
        byte[] big = bigTar();
        Path tmp = berthd.dataRoot().resolve("layers/tmp");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(berthd.socket()));
            String head = "POST /images/create?fromSrc=-&repo=crashed HTTP/1.1\r\nHost: berth\r\nContent-Type: application/x-tar\r\n"
                    + "Content-Length: " + big.length + "\r\n\r\n";
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer half = ByteBuffer.wrap(big, 0, big.length / 2);
            while (half.hasRemaining()) {
                ch.write(half);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!extractionStarted(tmp) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(extractionStarted(tmp)).as("extraction under layers/tmp started").isTrue();
            berthd.kill9();
        }
        berthd.restart();
        assertThat(images()).isEqualTo(before);
        assertThat(layerDirs()).isEqualTo(layersBefore);
        try (var s = Files.list(tmp)) {
            assertThat(s.toList()).isEmpty();
        }
        // The store still works after the crash.
        berthd.importBusybox("after-crash:latest");
        assertThat(images()).contains("after-crash:latest", "before-crash:latest");
    }

    private static boolean extractionStarted(Path tmp) throws IOException {
        try (var s = Files.walk(tmp)) {
            return s.anyMatch(p -> p.getFileName().toString().equals("padding"));
        }
    }

    /** busybox plus a 32 MiB file, so the import is still running when berthd is killed. */
    private static byte[] bigTar() throws IOException {
        Tar t = new Tar();
        TarArchiveEntry e = new TarArchiveEntry("padding");
        int size = 32 << 20;
        e.setSize(size);
        t.out.putArchiveEntry(e);
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < size / chunk.length; i++) {
            t.out.write(chunk);
        }
        t.out.closeArchiveEntry();
        return t.done();
    }
}
