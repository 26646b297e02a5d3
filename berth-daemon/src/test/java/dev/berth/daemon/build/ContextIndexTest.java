package dev.berth.daemon.build;

import dev.berth.dockerfile.ContextFiles;
import dev.berth.oci.InvalidLayerException;
import dev.berth.oci.LayerArchive;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The context index against the layer extractor it stands in for: the tree it describes is the
 * tree extraction writes (kinds, modes, sizes, link targets, checksums of the written bytes), it
 * refuses what extraction refuses, and it writes nothing out until asked.
 */
class ContextIndexTest {
    /** Two MiB of memory: the 3 MiB file of the first test spills into the spool file. */
    private final ContextSpool.Budget budget = new ContextSpool.Budget(2);

    private interface Entries {
        void write(TarArchiveOutputStream t) throws IOException;
    }

    private static byte[] tar(boolean gzip, Entries entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(gzip ? new GZIPOutputStream(bytes) : bytes)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            entries.write(t);
            t.finish();
        }
        return bytes.toByteArray();
    }

    private static void file(TarArchiveOutputStream t, String name, int mode, byte[] data) throws IOException {
        file(t, name, mode, data, TarConstants.LF_NORMAL);
    }

    private static void file(TarArchiveOutputStream t, String name, int mode, byte[] data, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        e.setSize(data.length);
        e.setModTime(1_700_000_000_000L);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    private static void entry(TarArchiveOutputStream t, String name, byte type, String link, int mode, Consumer<TarArchiveEntry> more)
            throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        if (link != null) {
            e.setLinkName(link);
        }
        e.setMode(mode);
        e.setModTime(1_700_000_000_000L);
        if (more != null) {
            more.accept(e);
        }
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    private ContextIndex index(byte[] tar, Path work) throws IOException {
        Files.createDirectories(work);
        return ContextIndex.read(new ByteArrayInputStream(tar), new ContextSpool(WorkDir.at(work), budget),
                WorkDir.at(work), Set.of("Dockerfile"));
    }

    /** Every path of a view, depth first. */
    private static List<String> walk(FileView v, String dir, List<String> out) {
        for (String n : v.list(dir)) {
            String p = dir.equals(".") ? n : dir + "/" + n;
            out.add(p);
            if (v.kind(p) == ContextFiles.Kind.DIR) {
                walk(v, p, out);
            }
        }
        return out;
    }

    @Test
    void describesTheTreeExtractionWrites(@TempDir Path tmp) throws IOException {
        byte[] big = new byte[3 << 20];
        new java.util.Random(7).nextBytes(big);
        byte[] archive = tar(true, t -> {
            entry(t, "./", TarConstants.LF_DIR, null, 0750, null);
            file(t, "Dockerfile", 0644, "FROM scratch\n".getBytes(StandardCharsets.UTF_8));
            file(t, "deep/er/file.txt", 04755, "hello".getBytes(StandardCharsets.UTF_8));
            file(t, "big.bin", 0600, big);
            entry(t, "link", TarConstants.LF_SYMLINK, "deep/er/file.txt", 0777, null);
            entry(t, "abs", TarConstants.LF_SYMLINK, "/etc/passwd", 0777, null);
            entry(t, "hard", TarConstants.LF_LINK, "big.bin", 0600, null);
            file(t, "replaced", 0644, "first".getBytes(StandardCharsets.UTF_8));
            entry(t, "replaced", TarConstants.LF_DIR, null, 0700, null);
            file(t, "replaced/inner", 0640, "x".getBytes(StandardCharsets.UTF_8));
            file(t, "gone", 0644, "bye".getBytes(StandardCharsets.UTF_8));
            file(t, ".wh.gone", 0644, new byte[0]);
            entry(t, "fifo", TarConstants.LF_FIFO, null, 0644, null);
            file(t, "a".repeat(150) + "/long-name", 0644, "long".getBytes(StandardCharsets.UTF_8));
        });
        ContextIndex index = index(archive, tmp.resolve("work"));
        assertThat(Files.exists(tmp.resolve("work/files"))).as("nothing is written out before it is needed").isFalse();
        assertThat(index.read("Dockerfile")).isEqualTo("FROM scratch\n".getBytes(StandardCharsets.UTF_8));
        assertThat(index.read("deep/er/file.txt")).isEqualTo("hello".getBytes(StandardCharsets.UTF_8)); // from the spool

        Path extracted = Files.createDirectory(tmp.resolve("extracted"));
        LayerArchive.extract(new ByteArrayInputStream(archive), extracted);
        FileView disk = new FileView.Dirs(List.of(extracted));
        List<String> paths = walk(index, ".", new ArrayList<>());
        assertThat(paths).isEqualTo(walk(disk, ".", new ArrayList<>()));
        assertThat(paths).contains("big.bin", "hard", "link", "replaced/inner").doesNotContain("gone", ".wh.gone", "fifo");
        for (String p : paths) {
            FileView.Entry i = index.entry(p);
            FileView.Entry d = disk.entry(p);
            assertThat(i.kind()).as(p).isEqualTo(d.kind());
            assertThat(i.link()).as(p).isEqualTo(d.link());
            if (i.kind() != ContextFiles.Kind.DIR) {
                assertThat(i.mode()).as(p).isEqualTo(d.mode());
            }
            if (i.kind() == ContextFiles.Kind.FILE) {
                assertThat(i.size()).as(p).isEqualTo(d.size());
                assertThat(i.mtimeMillis()).as(p).isEqualTo(d.mtimeMillis());
                assertThat(i.digest()).as(p).isEqualTo(sha256(Files.readAllBytes(d.host())));
            }
        }
        assertThat(index.entry("replaced").mode()).isEqualTo(0700);
        assertThat(index.entry(".").mode()).isEqualTo(0750);
        assertThat(index.resolve("/link")).isEqualTo("deep/er/file.txt");

        // written out on demand, where the entries said their bytes would be
        assertThat(index.layers()).containsExactly(tmp.resolve("work/files"));
        assertThat(Files.readAllBytes(index.entry("big.bin").host())).isEqualTo(big);
        assertThat(Files.exists(tmp.resolve("work/context.tar"))).as("the spool goes once written out").isFalse();
        assertThat(budget.kept()).as("its memory is given back and kept for the next build").isEqualTo(2);
        assertThat(budget.take()).isNotNull();
        assertThat(budget.take()).isNotNull();
        assertThat(budget.take()).as("the budget is two chunks").isNull();
    }

    /** A file's contents as a COPY reads them. */
    private static byte[] contents(ContextIndex index, String rel) throws IOException {
        try (java.io.InputStream in = index.open(rel, index.entry(rel))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aCopyReadsAPlainContextsFilesFromTheSpoolAndAnyOtherFromTheFilesWrittenOut(@TempDir Path tmp) throws IOException {
        byte[] big = new byte[(3 << 20) + 12345]; // past the two chunks of memory: its end is in the spool file
        new java.util.Random(11).nextBytes(big);
        byte[] small = "small".getBytes(StandardCharsets.UTF_8);
        Entries entries = t -> {
            file(t, "Dockerfile", 0644, "FROM scratch\n".getBytes(StandardCharsets.UTF_8));
            file(t, "s", 0644, small);
            file(t, "big", 0644, big);
            entry(t, "hard", TarConstants.LF_LINK, "s", 0644, null);
            file(t, "empty", 0644, new byte[0]);
        };
        ContextIndex plain = index(tar(false, entries), tmp.resolve("plain"));
        for (String p : List.of("s", "hard", "big", "empty")) {
            assertThat(contents(plain, p)).as(p).isEqualTo(p.equals("big") ? big : p.equals("empty") ? new byte[0] : small);
        }
        assertThat(Files.exists(tmp.resolve("plain/files"))).as("read where they lie, nothing written out").isFalse();
        plain.close();

        ContextIndex gzipped = index(tar(true, entries), tmp.resolve("gzip"));
        assertThat(contents(gzipped, "big")).isEqualTo(big);
        assertThat(Files.exists(tmp.resolve("gzip/files"))).as("a compressed body has no positions: written out").isTrue();
        gzipped.close();
    }

    @Test
    void aFileBeingCopiedKeepsItsMemoryWhenTheBuildEndsUnderIt(@TempDir Path tmp) throws IOException {
        byte[] data = new byte[1 << 19];
        new java.util.Random(5).nextBytes(data);
        ContextIndex index = index(tar(false, t -> file(t, "f", 0644, data)), tmp.resolve("work"));
        budget.memo().forgetRetained();
        java.io.InputStream in = index.open("f", index.entry("f"));
        byte[] head = in.readNBytes(1000);
        index.close(); // a failed stage ends the build while another still copies
        // what another build takes now must not be the memory this copy reads
        List<ContextSpool.Piece> taken = new ArrayList<>();
        for (ContextSpool.Piece p; (p = budget.take()) != null; ) {
            p.memory().fill((byte) 0x5a);
            taken.add(p);
        }
        byte[] rest = in.readAllBytes();
        in.close();
        byte[] all = new byte[data.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        assertThat(all).isEqualTo(data);
        assertThat(taken).as("the copy held one chunk of the two").hasSize(1);
        budget.give(taken);
        assertThat(budget.lent()).as("closing the copy gave its chunk back").isZero();
    }

    @Test
    void aSparseFileIsReadAsItsContentsNotAsTheBytesItsEntryStores(@TempDir Path tmp) throws IOException {
        // PAX 0.1 sparse: 4 stored bytes that are the end of a 10-byte file, after 6 bytes of hole
        byte[] archive = tar(false, t -> {
            StringBuilder pax = new StringBuilder();
            for (String kv : List.of("GNU.sparse.size=10", "GNU.sparse.numblocks=1", "GNU.sparse.map=6,4")) {
                int len = kv.length() + 3; // " ", "\n" and a one-digit length
                while (String.valueOf(len).length() + kv.length() + 2 != len) {
                    len++;
                }
                pax.append(len).append(' ').append(kv).append('\n');
            }
            file(t, "PaxHeaders/sparse", 0644, pax.toString().getBytes(StandardCharsets.UTF_8), TarConstants.LF_PAX_EXTENDED_HEADER_LC);
            file(t, "sparse", 0644, "data".getBytes(StandardCharsets.UTF_8));
            file(t, "after", 0644, "not part of it".getBytes(StandardCharsets.UTF_8));
        });
        byte[] expected = {0, 0, 0, 0, 0, 0, 'd', 'a', 't', 'a'};
        ContextIndex index = index(archive, tmp.resolve("work"));
        assertThat(index.entry("sparse").size()).isEqualTo(10);
        assertThat(index.entry("sparse").digest()).isEqualTo(sha256(expected));
        assertThat(contents(index, "sparse")).isEqualTo(expected);
        index.close();
    }

    @Test
    void droppedFilesStayOutOfTheFilesWrittenOut(@TempDir Path tmp) throws IOException {
        ContextIndex index = index(tar(false, t -> {
            file(t, "Dockerfile", 0644, "FROM scratch\n".getBytes(StandardCharsets.UTF_8));
            file(t, "keep", 0644, "k".getBytes(StandardCharsets.UTF_8));
        }), tmp.resolve("work"));
        index.drop("Dockerfile");
        assertThat(index.entry("Dockerfile")).isNull();
        Path root = index.layers().getFirst();
        assertThat(root.resolve("Dockerfile")).doesNotExist();
        assertThat(root.resolve("keep")).hasContent("k");
    }

    @Test
    void aLaterContextInReusedMemorySeesOnlyItsOwnBytes(@TempDir Path tmp) throws IOException {
        byte[] big = new byte[(3 << 20) / 2];
        java.util.Arrays.fill(big, (byte) 'x');
        ContextIndex first = index(tar(false, t -> file(t, "big", 0644, big)), tmp.resolve("one"));
        first.close();
        assertThat(budget.lent()).as("the memo retains the body's two chunks").isEqualTo(2);
        budget.memo().forgetRetained();
        assertThat(budget.kept()).as("both chunks kept for the next build").isEqualTo(2);

        byte[] small = "small".getBytes(StandardCharsets.UTF_8);
        ContextIndex second = index(tar(false, t -> {
            file(t, "Dockerfile", 0644, "FROM scratch\n".getBytes(StandardCharsets.UTF_8));
            file(t, "s", 0644, small);
        }), tmp.resolve("two"));
        assertThat(second.entry("big")).isNull();
        assertThat(second.entry("s").digest()).isEqualTo(sha256(small));
        assertThat(second.read("s")).isEqualTo(small);
        Path root = second.layers().getFirst();
        try (var files = Files.list(root)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("Dockerfile", "s");
        }
        assertThat(root.resolve("s")).hasBinaryContent(small);

        budget.freeAll();
        assertThat(budget.kept()).isZero();
    }

    @Test
    void aRefusedArchiveIsNotReadToItsEnd(@TempDir Path tmp) throws IOException {
        byte[] head = tar(false, t -> file(t, "../escape", 0644, new byte[1]));
        // an endless body after the hostile entry: reading must stop once the entry is refused
        java.io.InputStream endless = new java.io.SequenceInputStream(new ByteArrayInputStream(head), new java.io.InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 0);
                return len;
            }
        });
        Files.createDirectories(tmp.resolve("w"));
        assertThatThrownBy(() -> ContextIndex.read(endless, new ContextSpool(WorkDir.at(tmp.resolve("w")), budget),
                WorkDir.at(tmp.resolve("w")), Set.of())).isInstanceOf(InvalidLayerException.class);
    }

    @Test
    void refusesWhatExtractionRefuses(@TempDir Path tmp) throws IOException {
        List<Entries> hostile = List.of(
                t -> file(t, "../escape", 0644, new byte[1]),
                t -> file(t, "/abs", 0644, new byte[1]),
                t -> entry(t, "up", TarConstants.LF_SYMLINK, "../../x", 0777, null),
                t -> {
                    entry(t, "dir", TarConstants.LF_SYMLINK, "/tmp", 0777, null);
                    file(t, "dir/through", 0644, new byte[1]);
                },
                t -> {
                    file(t, "f", 0644, new byte[1]);
                    file(t, "f/under", 0644, new byte[1]);
                },
                t -> entry(t, "h", TarConstants.LF_LINK, "/etc/shadow", 0644, null),
                t -> entry(t, "h", TarConstants.LF_LINK, "../x", 0644, null),
                t -> entry(t, "empty", TarConstants.LF_SYMLINK, "", 0777, null),
                t -> file(t, ".wh...", 0644, new byte[0]));
        int i = 0;
        for (Entries h : hostile) {
            byte[] archive = tar(false, h);
            Path out = Files.createDirectory(tmp.resolve("x" + i));
            assertThatThrownBy(() -> LayerArchive.extract(new ByteArrayInputStream(archive), out)).as("case " + i)
                    .isInstanceOf(InvalidLayerException.class);
            Path work = tmp.resolve("w" + i);
            assertThatThrownBy(() -> index(archive, work)).as("case " + i).isInstanceOf(InvalidLayerException.class);
            i++;
        }
        assertThatThrownBy(() -> index("not a tar at all, just text".getBytes(StandardCharsets.UTF_8), tmp.resolve("text")))
                .isInstanceOf(InvalidLayerException.class);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
