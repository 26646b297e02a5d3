package dev.berth.oci;

import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.sys.Libc;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerArchiveTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final Instant T = Instant.parse("2024-05-06T07:08:09Z");

    @TempDir
    Path tmp;

    /** Builds a tar in memory, entry by entry. */
    static final class TarBuilder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

        TarBuilder() {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        TarBuilder dir(String name, int mode) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
            e.setMode(mode);
            e.setModTime(Date.from(T));
            return put(e, null);
        }

        TarBuilder file(String name, String content) throws IOException {
            return file(name, content, 0644, 0, 0);
        }

        TarBuilder file(String name, String content, int mode, int uid, int gid) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(b.length);
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            e.setModTime(Date.from(T));
            return put(e, b);
        }

        TarBuilder symlink(String name, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
            e.setLinkName(target);
            e.setModTime(Date.from(T));
            return put(e, null);
        }

        TarBuilder hardlink(String name, String target) throws IOException {
            return hardlink(name, target, 0644, 0, 0);
        }

        /** Like tar, a hard link's header carries the linked file's metadata. */
        TarBuilder hardlink(String name, String target, int mode, int uid, int gid) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
            e.setLinkName(target);
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            e.setModTime(Date.from(T));
            return put(e, null);
        }

        TarBuilder device(String name, byte type, int major, int minor) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            e.setMode(0660);
            e.setModTime(Date.from(T));
            return put(e, null);
        }

        TarBuilder put(TarArchiveEntry e, byte[] content) throws IOException {
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        }

        byte[] bytes() throws IOException {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        }
    }

    private Path root() throws IOException {
        return Files.createDirectory(tmp.resolve("root"));
    }

    private static LayerArchive.Result extract(byte[] tar, Path root) throws IOException {
        return LayerArchive.extract(new ByteArrayInputStream(tar), root);
    }

    @Test
    void extractsEveryKindOfEntryWithItsMetadata() throws Exception {
        TarBuilder b = new TarBuilder()
                .dir("./", 0755)
                .dir("bin", 0750)
                .file("bin/busybox", "#!binary", 04755, 1000, 1001)
                .symlink("bin/sh", "/bin/busybox")
                .symlink("usr/bin/env", "../../bin/busybox")
                .hardlink("bin/hard", "bin/busybox", 04755, 1000, 1001)
                .device("dev/null", TarConstants.LF_CHR, 1, 3)
                .device("dev/loop0", TarConstants.LF_BLK, 7, 0)
                .device("run/fifo", TarConstants.LF_FIFO, 0, 0);
        TarArchiveEntry x = new TarArchiveEntry("etc/with-xattr");
        x.setSize(2);
        x.setMode(0600);
        x.setModTime(Date.from(T));
        x.addPaxHeader("SCHILY.xattr.user.berth", "yes");
        x.addPaxHeader("SCHILY.xattr.trusted.overlay.redirect", "/elsewhere");
        b.put(x, "hi".getBytes(StandardCharsets.UTF_8));
        byte[] tar = b.bytes();
        Path root = root();

        LayerArchive.Result r = extract(tar, root);

        assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(r.size()).isEqualTo("#!binary".length() + 2);
        Path busybox = root.resolve("bin/busybox");
        assertThat(Files.readString(busybox)).isEqualTo("#!binary");
        assertThat(Files.getAttribute(busybox, "unix:mode")).isEqualTo(0104755);
        assertThat(Files.getAttribute(busybox, "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(busybox, "unix:gid")).isEqualTo(1001);
        assertThat(Files.getLastModifiedTime(busybox)).isEqualTo(FileTime.from(T));
        assertThat(Files.readSymbolicLink(root.resolve("bin/sh"))).isEqualTo(Path.of("/bin/busybox"));
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/env"))).isEqualTo(Path.of("../../bin/busybox"));
        assertThat(Files.getAttribute(root.resolve("bin/hard"), "unix:ino")).isEqualTo(Files.getAttribute(busybox, "unix:ino"));
        assertThat(Files.getAttribute(root.resolve("dev/null"), "unix:mode")).isEqualTo(Libc.S_IFCHR | 0660);
        assertThat(Files.getAttribute(root.resolve("dev/null"), "unix:rdev")).isEqualTo(0x103L);
        assertThat(((int) Files.getAttribute(root.resolve("dev/loop0"), "unix:mode")) & 0170000).isEqualTo(Libc.S_IFBLK);
        assertThat(((int) Files.getAttribute(root.resolve("run/fifo"), "unix:mode")) & 0170000).isEqualTo(Libc.S_IFIFO);
        assertThat(Files.getAttribute(root.resolve("bin"), "unix:mode")).isEqualTo(040750);
        // Directory times survive the creation of their children.
        assertThat(Files.getLastModifiedTime(root.resolve("bin"))).isEqualTo(FileTime.from(T));
        assertThat(Files.getLastModifiedTime(root)).isEqualTo(FileTime.from(T));
        // Parents the archive never listed are created 0755.
        assertThat(Files.getAttribute(root.resolve("usr/bin"), "unix:mode")).isEqualTo(040755);
        assertThat(Libc.lgetxattr(root.resolve("etc/with-xattr").toString(), "user.berth")).isEqualTo("yes".getBytes());
        assertThat(Libc.lgetxattr(root.resolve("etc/with-xattr").toString(), "trusted.overlay.redirect")).isNull();
    }

    @ParameterizedTest
    @EnumSource(LayerArchive.Compression.class)
    void everyCompressionGivesTheSameDiffId(LayerArchive.Compression c) throws Exception {
        byte[] tar = new TarBuilder().dir("etc", 0755).file("etc/hostname", "berth\n").bytes();
        byte[] packed = compress(tar, c);
        assertThat(LayerArchive.detect(new java.io.BufferedInputStream(new ByteArrayInputStream(packed)))).isEqualTo(c);
        Path root = root();
        LayerArchive.Result r = extract(packed, root);
        assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(Files.readString(root.resolve("etc/hostname"))).isEqualTo("berth\n");
    }

    static byte[] compress(byte[] tar, LayerArchive.Compression c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream o = switch (c) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out);
            case XZ -> new XZOutputStream(out, new LZMA2Options());
            case ZSTD -> new ZstdOutputStream(out);
            case BZIP2 -> new BZip2CompressorOutputStream(out);
        }) {
            o.write(tar);
        }
        return out.toByteArray();
    }

    @Test
    void dotDotThatEscapesIsRefused() throws Exception {
        assertHostile(new TarBuilder().file("../x", "pwned").bytes(), "path escapes the layer root");
        assertHostile(new TarBuilder().dir("a", 0755).file("a/../../x", "pwned").bytes(), "path escapes the layer root");
    }

    @Test
    void dotDotThatStaysInsideIsResolved() throws Exception {
        Path root = root();
        extract(new TarBuilder().dir("a", 0755).file("a/../b", "ok").bytes(), root);
        assertThat(Files.readString(root.resolve("b"))).isEqualTo("ok");
    }

    @Test
    void absolutePathsAreRefused() throws Exception {
        assertHostile(new TarBuilder().file("/abs", "pwned").bytes(), "absolute paths are not allowed");
    }

    @Test
    void writingThroughASymlinkIsRefused() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        assertHostile(new TarBuilder().symlink("evil", outside.toString()).file("evil/passwd", "pwned").bytes(),
                "parent path \"evil\" is a symlink");
        assertThat(outside).isEmptyDirectory();
        // A relative symlink to a directory inside the layer is refused as a parent too.
        assertHostile(new TarBuilder().dir("d", 0755).symlink("l", "d").file("l/x", "x").bytes(), "is a symlink");
    }

    @Test
    void hardlinksOutsideTheLayerOrToUnknownFilesAreRefused() throws Exception {
        assertHostile(new TarBuilder().hardlink("h", "../../etc/passwd").bytes(), "is outside the layer");
        assertHostile(new TarBuilder().hardlink("h", "/etc/passwd").bytes(), "not a file extracted earlier");
        assertHostile(new TarBuilder().hardlink("h", "later").file("later", "x").bytes(), "not a file extracted earlier");
        assertHostile(new TarBuilder().dir("d", 0755).hardlink("h", "d").bytes(), "not a file extracted earlier");
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "s");
        assertHostile(new TarBuilder().symlink("l", outside.toString()).hardlink("h", "l/secret").bytes(),
                "not a file extracted earlier");
    }

    @Test
    void relativeSymlinksThatClimbOutAreRefused() throws Exception {
        assertHostile(new TarBuilder().symlink("a/b", "../../x").bytes(), "escapes the layer root");
        assertHostile(new TarBuilder().symlink("up", "..").bytes(), "escapes the layer root");
    }

    @Test
    void whiteoutsBecomeOverlayWhiteouts() throws Exception {
        TarBuilder b = new TarBuilder().dir("etc", 0755).file("etc/.wh.motd", "").dir("var/cache", 0755)
                .file("var/cache/.wh..wh..opq", "").file("var/cache/kept", "k");
        Path root = root();
        extract(b.bytes(), root);
        Path wh = root.resolve("etc/motd");
        assertThat(Files.getAttribute(wh, "unix:mode", NOFOLLOW)).isEqualTo(Libc.S_IFCHR);
        assertThat(Files.getAttribute(wh, "unix:rdev", NOFOLLOW)).isEqualTo(0L);
        assertThat(Files.exists(root.resolve("etc/.wh.motd"), NOFOLLOW)).isFalse();
        assertThat(Libc.lgetxattr(root.resolve("var/cache").toString(), LayerArchive.OVERLAY_OPAQUE_XATTR)).containsExactly('y');
        assertThat(Files.exists(root.resolve("var/cache/.wh..wh..opq"), NOFOLLOW)).isFalse();
        assertThat(Files.readString(root.resolve("var/cache/kept"))).isEqualTo("k");
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws Exception {
        Path root = root();
        extract(new TarBuilder().dir("x", 0755).file("x/inner", "1").file("x", "now a file").file("y", "1").file("y", "2").bytes(), root);
        assertThat(Files.readString(root.resolve("x"))).isEqualTo("now a file");
        assertThat(Files.readString(root.resolve("y"))).isEqualTo("2");
    }

    @Test
    void garbageAndTruncatedInputAreInvalid() throws Exception {
        byte[] garbage = new byte[4096];
        Arrays.fill(garbage, (byte) 'x');
        assertThatThrownBy(() -> extract(garbage, root())).isInstanceOf(InvalidLayerException.class);
        assertThatThrownBy(() -> extract("hello".getBytes(), tmp.resolve("root"))).isInstanceOf(InvalidLayerException.class);
        byte[] tar = new TarBuilder().file("big", "y".repeat(10000)).bytes();
        byte[] cut = Arrays.copyOf(tar, 3000);
        assertThatThrownBy(() -> extract(cut, tmp.resolve("root"))).isInstanceOf(InvalidLayerException.class);
        byte[] gz = compress(tar, LayerArchive.Compression.GZIP);
        byte[] badGz = Arrays.copyOf(gz, gz.length / 2);
        Path r2 = Files.createDirectory(tmp.resolve("r2"));
        assertThatThrownBy(() -> extract(badGz, r2)).isInstanceOf(InvalidLayerException.class);
    }

    @Test
    void entriesTheFilesystemCannotHoldAreTheArchivesFault() throws Exception {
        assertHostile(new TarBuilder().file("x".repeat(300), "long").bytes(), "cannot extract");
        assertHostile(new TarBuilder().file("f", "file").file("f/child", "x").bytes(), "is not a directory");
    }

    @Test
    void anEmptyTarIsAnEmptyLayer() throws Exception {
        byte[] tar = new TarBuilder().bytes();
        LayerArchive.Result r = extract(tar, root());
        assertThat(r.size()).isZero();
        assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
    }

    private void assertHostile(byte[] tar, String message) throws IOException {
        Path root = Files.createTempDirectory(tmp, "layer");
        assertThatThrownBy(() -> extract(tar, root))
                .isInstanceOf(InvalidLayerException.class)
                .hasMessageContaining(message);
        assertThat(Files.exists(tmp.resolve("x"))).isFalse();
    }

    private static long owner(Path p, String attr) throws IOException {
        return Integer.toUnsignedLong((Integer) Files.getAttribute(p, "unix:" + attr, NOFOLLOW));
    }

    @Test
    void aUserNamespaceMapShiftsOwnersAsTheyAreCreated() throws Exception {
        IdMap ids = IdMap.fromSubordinate(java.util.List.of(new long[] {300000, 65536}), java.util.List.of(new long[] {400000, 65536}));
        byte[] tar = new TarBuilder()
                .file("etc/passwd", "root", 0644, 0, 0)
                .file("home/u/f", "u", 04755, 1000, 1001)
                .symlink("link", "etc/passwd")
                .file(".wh.gone", "", 0600, 0, 0)
                .bytes();
        Path root = root();
        LayerArchive.extract(new ByteArrayInputStream(tar), root, ids);
        assertThat(owner(root, "uid")).isEqualTo(300000); // the layer root: the namespace's root owns it
        assertThat(owner(root.resolve("etc"), "uid")).isEqualTo(300000); // a parent the archive did not name
        assertThat(owner(root.resolve("etc/passwd"), "uid")).isEqualTo(300000);
        assertThat(owner(root.resolve("etc/passwd"), "gid")).isEqualTo(400000);
        assertThat(owner(root.resolve("home/u/f"), "uid")).isEqualTo(301000);
        assertThat(owner(root.resolve("home/u/f"), "gid")).isEqualTo(401001);
        assertThat((Integer) Files.getAttribute(root.resolve("home/u/f"), "unix:mode") & 07777).isEqualTo(04755); // setuid kept after chown
        assertThat(owner(root.resolve("link"), "uid")).isEqualTo(300000);
        assertThat(owner(root.resolve("gone"), "uid")).isEqualTo(300000);
    }

    @Test
    void anOwnerTheNamespaceCannotMapIsRefused() throws Exception {
        IdMap ids = IdMap.fromSubordinate(java.util.List.of(new long[] {300000, 1000}), java.util.List.of(new long[] {300000, 1000}));
        byte[] tar = new TarBuilder().file("f", "x", 0644, 65534, 0).bytes();
        assertThatThrownBy(() -> LayerArchive.extract(new ByteArrayInputStream(tar), root(), ids))
                .isInstanceOf(InvalidLayerException.class).hasMessageContaining("container UID 65534 cannot be mapped");
    }
}
