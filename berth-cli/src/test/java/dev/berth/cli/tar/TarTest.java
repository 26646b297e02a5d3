package dev.berth.cli.tar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TarTest {
    private static final long T = 1_600_000_000_000_000_000L;

    private static byte[] tar(TarHeader... entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(b);
        for (TarHeader h : entries) {
            w.put(h);
            if (h.isFile()) {
                w.content().write("x".repeat((int) h.size()).getBytes(StandardCharsets.UTF_8));
            }
        }
        w.finish();
        return b.toByteArray();
    }

    private static TarHeader file(String name, int size) {
        return new TarHeader(name, TarHeader.FILE, 0640, 0, 0, size, T, -1, "", 0, 0);
    }

    private static TarHeader entry(String name, char type, String link) {
        return new TarHeader(name, type, 0755, 0, 0, 0, T, -1, link, 0, 0);
    }

    @Test
    void longNamesLargeIdsAndTypesRoundTrip() throws IOException {
        String longName = "d/" + "n".repeat(150) + "/é";
        TarHeader big = new TarHeader(longName, TarHeader.FILE, 04755, 1L << 32, 9_000_000, 3, T, -1, "", 0, 0);
        byte[] data = tar(entry("d/", TarHeader.DIR, ""), big, entry("d/l", TarHeader.SYMLINK, "t".repeat(200)),
                entry("d/h", TarHeader.HARDLINK, longName));
        TarReader r = new TarReader(new ByteArrayInputStream(data));
        List<TarHeader> got = new ArrayList<>();
        TarHeader h;
        while ((h = r.next()) != null) {
            got.add(h);
            if (h.isFile()) {
                assertThat(new String(r.content().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("xxx");
            }
        }
        assertThat(got).extracting(TarHeader::name).containsExactly("d/", longName, "d/l", "d/h");
        assertThat(got.get(1).uid()).isEqualTo(1L << 32);
        assertThat(got.get(1).gid()).isEqualTo(9_000_000);
        assertThat(got.get(1).mode()).isEqualTo(04755);
        assertThat(got.get(1).mtimeNanos()).isEqualTo(T);
        assertThat(got.get(2).linkName()).isEqualTo("t".repeat(200));
        assertThat(got.get(3).linkName()).isEqualTo(longName);
    }

    @Test
    void readsWhatGnuTarWrites(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/" + "x".repeat(120)));
        Files.writeString(src.resolve("f"), "hello");
        Process p = new ProcessBuilder("tar", "-C", dir.resolve("src").toString(), "-cf", "-", ".").start();
        TarReader r = new TarReader(new ByteArrayInputStream(p.getInputStream().readAllBytes()));
        List<String> names = new ArrayList<>();
        TarHeader h;
        while ((h = r.next()) != null) {
            names.add(h.name());
            if (h.isFile()) {
                assertThat(new String(r.content().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
            }
        }
        assertThat(names).contains("./" + "x".repeat(120) + "/f");
    }

    @Test
    void corruptHeadersAreRefused() throws IOException {
        byte[] data = tar(file("a", 1));
        data[10] ^= 1;
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(data)).next()).isInstanceOf(TarFormatException.class);
    }

    @Test
    void extractionStaysInsideTheDestination(@TempDir Path dir) throws IOException {
        Path dest = Files.createDirectories(dir.resolve("dest"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        assertThatThrownBy(() -> LocalArchive.extract(new ByteArrayInputStream(tar(file("../evil", 1))), dest.toString(), Rename.NONE))
                .hasMessage("\"../evil\" is outside of \"" + dest + "\"");
        assertThatThrownBy(() -> LocalArchive.extract(new ByteArrayInputStream(tar(entry("up", TarHeader.SYMLINK, "../outside"))),
                dest.toString(), Rename.NONE)).hasMessageStartingWith("invalid symlink");
        assertThatThrownBy(() -> LocalArchive.extract(new ByteArrayInputStream(tar(entry("h", TarHeader.HARDLINK, "../outside/x"))),
                dest.toString(), Rename.NONE)).hasMessageStartingWith("invalid hardlink");
        // an absolute link is allowed (as Docker), but entries below it resolve inside the destination, never through it
        assertThatThrownBy(() -> LocalArchive.extract(new ByteArrayInputStream(tar(entry("abs", TarHeader.SYMLINK, outside.toString()),
                file("abs/planted", 2))), dest.toString(), Rename.NONE)).hasMessageContaining("is a symlink to a directory outside of");
        try (var s = Files.list(outside)) {
            assertThat(s.toList()).isEmpty();
        }
        Files.createDirectories(dest.resolve(outside.toString().substring(1)));
        LocalArchive.extract(new ByteArrayInputStream(tar(file("abs/planted", 2), file("/rooted", 1))), dest.toString(), Rename.NONE);
        try (var s = Files.list(outside)) {
            assertThat(s.toList()).isEmpty();
        }
        assertThat(dest.resolve(outside.toString().substring(1)).resolve("planted")).hasContent("xx");
        assertThat(dest.resolve("rooted")).hasContent("x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve("rooted")))).isEqualTo("rw-r-----");
        assertThat(Files.getLastModifiedTime(dest.resolve("rooted")).toMillis()).isEqualTo(T / 1_000_000);
    }

    @Test
    void localTreeArchivesAndExtractsAlike(@TempDir Path dir) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(src.resolve("f"), "data");
        Files.createLink(src.resolve("g"), src.resolve("f"));
        Files.createSymbolicLink(dir.resolve("src/l"), Path.of("sub/f"));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        LocalArchive.write(dir.resolve("src").toString(), "", Rename.replaceFirst("src", "copy"), b);
        Path dest = Files.createDirectories(dir.resolve("dest"));
        LocalArchive.extract(new ByteArrayInputStream(b.toByteArray()), dest.toString(), Rename.NONE);
        assertThat(dest.resolve("copy/sub/f")).hasContent("data");
        assertThat(Files.readSymbolicLink(dest.resolve("copy/l"))).isEqualTo(Path.of("sub/f"));
        assertThat(Files.getAttribute(dest.resolve("copy/sub/g"), "unix:nlink")).isEqualTo(2);
    }
}
