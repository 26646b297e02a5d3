package dev.berth.oci;

import com.github.luben.zstd.ZstdInputStream;
import dev.berth.sys.Libc;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.XZInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Layer tar streams: compression detection and safe extraction into a directory, with overlay's
 * whiteout conventions. Every path is checked before anything is written: no entry may leave the
 * layer root, write through a symlink, or link to a file outside the layer.
 */
public final class LayerArchive {
    /** Prefix of a whiteout entry's base name: {@code .wh.foo} deletes {@code foo} from lower layers. */
    public static final String WHITEOUT_PREFIX = ".wh.";
    /** Base name of the entry that makes its directory opaque (hides the lower layers' contents). */
    public static final String OPAQUE_MARKER = ".wh..wh..opq";
    public static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String SCHILY_XATTR = "SCHILY.xattr.";
    private static final String LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.";
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** The compressions a layer may come in, told apart by their magic bytes. */
    public enum Compression { NONE, GZIP, XZ, ZSTD, BZIP2 }

    /**
     * What an extraction produced.
     *
     * @param diffId the sha256 of the uncompressed tar stream
     * @param size   the bytes of file content unpacked (docker's layer size)
     */
    public record Result(Digest diffId, long size) {}

    private LayerArchive() {}

    /** Peeks at the first bytes of {@code in} (which must support mark/reset). */
    public static Compression detect(InputStream in) throws IOException {
        in.mark(16);
        byte[] h = in.readNBytes(6);
        in.reset();
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (h.length >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z' && h[5] == 0) {
            return Compression.XZ;
        }
        if (h.length >= 4 && (h[0] & 0xff) == 0x28 && (h[1] & 0xff) == 0xb5 && (h[2] & 0xff) == 0x2f && (h[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        if (h.length >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') {
            return Compression.BZIP2;
        }
        return Compression.NONE;
    }

    /** The uncompressed stream of {@code raw}, whatever its compression. */
    public static InputStream decompress(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        try {
            return switch (detect(in)) {
                case GZIP -> new GZIPInputStream(in, 1 << 16);
                case XZ -> new XZInputStream(in);
                case ZSTD -> new ZstdInputStream(in);
                case BZIP2 -> new BZip2CompressorInputStream(in, true);
                case NONE -> in;
            };
        } catch (IOException e) {
            throw new InvalidLayerException("invalid compressed layer: " + e.getMessage(), e);
        }
    }

    /**
     * Extracts the (possibly compressed) tar {@code raw} into the existing directory {@code root},
     * reading it to its end so the DiffID covers the whole uncompressed stream.
     *
     * @throws InvalidLayerException when the archive is malformed or hostile; {@code root} then
     *                               holds a partial extraction that the caller must discard
     */
    public static Result extract(InputStream raw, Path root) throws IOException {
        return extract(raw, root, IdMap.IDENTITY);
    }

    /**
     * The same, for a user namespace: every entry's owner is shifted through {@code ids} as it is
     * created (container root's files belong to the namespace's root on the host), and an owner the
     * namespace cannot map makes the layer invalid, as dockerd refuses it. Directories the archive
     * does not name, the root among them, belong to the namespace's root.
     */
    public static Result extract(InputStream raw, Path root, IdMap ids) throws IOException {
        MessageDigest md = Digest.newSha256();
        InputStream plain = decompress(raw);
        InputStream hashed = new HashingStream(plain, md);
        Extractor x = new Extractor(root, ids);
        TarArchiveInputStream tar = new TarArchiveInputStream(hashed, false);
        long entries = 0;
        while (true) {
            TarArchiveEntry e = nextEntry(tar);
            if (e == null) {
                break;
            }
            entries++;
            try {
                x.apply(e, tar);
            } catch (InvalidLayerException bad) {
                throw bad;
            } catch (FileSystemException | Libc.ErrnoException fail) {
                if (isHostFault(fail)) {
                    throw fail;
                }
                // The entry itself is impossible here (name too long, wrong file type, ...): the input's fault.
                throw new InvalidLayerException("cannot extract " + quote(e.getName()) + ": " + reason(fail), fail);
            }
        }
        drain(hashed);
        if (entries == 0 && ((HashingStream) hashed).count < 1024) {
            throw new InvalidLayerException("invalid tar archive: unexpected EOF");
        }
        x.finish();
        return new Result(Digest.ofSha256(md), x.size);
    }

    /** Errors that say the host is in trouble, not the archive. */
    private static boolean isHostFault(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left") || m.contains("Disk quota") || m.contains("Input/output error")
                || m.contains("Read-only file system") || m.contains("Too many open files");
    }

    private static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
    }

    /** The archive's next entry, or null at its end; a header that cannot be read makes the layer invalid. */
    public static TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws InvalidLayerException {
        try {
            return tar.getNextEntry();
        } catch (InvalidLayerException ie) {
            throw ie;
        } catch (IOException | IllegalArgumentException ex) {
            throw new InvalidLayerException("invalid tar header: " + ex.getMessage(), ex);
        }
    }

    /** Reads what follows the archive's end (padding, the compressor's trailer), which must be readable. */
    public static void drain(InputStream in) throws IOException {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (InvalidLayerException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidLayerException("invalid layer stream: " + e.getMessage(), e);
        }
    }

    /**
     * Splits an entry name into clean components, resolving {@code .} and {@code ..} lexically.
     * Returns an empty list for the root itself.
     */
    public static List<String> cleanPath(String name, boolean allowAbsolute) throws InvalidLayerException {
        if (name.startsWith("/") && !allowAbsolute) {
            throw new InvalidLayerException("invalid tar entry " + quote(name) + ": absolute paths are not allowed in a layer");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new InvalidLayerException("invalid tar entry " + quote(name) + ": path escapes the layer root");
                }
                parts.removeLast();
            } else {
                if (p.indexOf('\0') >= 0) {
                    throw new InvalidLayerException("invalid tar entry " + quote(name) + ": NUL in path");
                }
                parts.addLast(p);
            }
        }
        return List.copyOf(parts);
    }

    /** A name quoted as Go's %q shows it in the messages Docker gives. */
    public static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Passes bytes through while hashing and counting them. */
    private static final class HashingStream extends FilterInputStream {
        private final MessageDigest md;
        long count;

        HashingStream(InputStream in, MessageDigest md) {
            super(in);
            this.md = md;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                md.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Skipped bytes must be hashed too.
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** The state of one extraction. */
    private static final class Extractor {
        private record DirTimes(Path dir, long mtime, long atime) {}

        private final Path root;
        private final IdMap ids;
        private final boolean shifted;
        private final List<DirTimes> dirTimes = new ArrayList<>();
        private final byte[] buf = new byte[1 << 16];
        long size;

        Extractor(Path root, IdMap ids) throws IOException {
            this.root = root;
            this.ids = ids;
            this.shifted = !ids.isIdentity();
            if (shifted) {
                Libc.lchown(root.toString(), ids.rootUid(), ids.rootGid());
            }
        }

        /** lchown to the entry's owner as the host sees it through the ID map. */
        private void chown(TarArchiveEntry e, Path p) throws IOException {
            int uid;
            int gid;
            try {
                uid = ids.hostUid(e.getLongUserId());
                gid = ids.hostGid(e.getLongGroupId());
            } catch (IllegalArgumentException unmapped) {
                throw new InvalidLayerException("invalid tar entry " + quote(e.getName()) + ": " + unmapped.getMessage());
            }
            Libc.lchown(p.toString(), uid, gid);
        }

        void apply(TarArchiveEntry e, TarArchiveInputStream tar) throws IOException {
            String name = e.getName();
            List<String> parts = cleanPath(name, false);
            if (parts.isEmpty()) {
                if (!e.isDirectory()) {
                    throw new InvalidLayerException("invalid tar entry " + quote(name) + ": the layer root must be a directory");
                }
                applyMetadata(e, root);
                return;
            }
            Path parent = ensureParent(name, parts);
            String base = parts.getLast();
            if (base.startsWith(WHITEOUT_PREFIX)) {
                whiteout(e, name, parent, base);
                return;
            }
            Path target = parent.resolve(base);
            BasicFileAttributes existing = lstat(target);
            if (existing != null && !(existing.isDirectory() && e.isDirectory())) {
                removeTree(target);
            }
            if (e.isDirectory()) {
                if (existing == null || !existing.isDirectory()) {
                    Files.createDirectory(target);
                }
            } else if (e.isSymbolicLink()) {
                symlink(e, name, parts, target);
            } else if (e.isLink()) {
                hardlink(e, name, target);
            } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                int type = e.isCharacterDevice() ? Libc.S_IFCHR : e.isBlockDevice() ? Libc.S_IFBLK : Libc.S_IFIFO;
                Libc.mknod(target.toString(), type | (e.getMode() & 07777), e.getDevMajor(), e.getDevMinor());
            } else if (e.isFile()) {
                writeFile(e, name, tar, target);
            } else {
                throw new InvalidLayerException("invalid tar entry " + quote(name) + ": unsupported entry type");
            }
            applyMetadata(e, target);
        }

        /** Walks (and creates as 0755) the parent directories, refusing any that is a symlink or not a directory. */
        private Path ensureParent(String name, List<String> parts) throws IOException {
            Path p = root;
            for (int i = 0; i < parts.size() - 1; i++) {
                p = p.resolve(parts.get(i));
                BasicFileAttributes a = lstat(p);
                if (a == null) {
                    Files.createDirectory(p);
                    Libc.chmod(p.toString(), 0755);
                    if (shifted) {
                        Libc.lchown(p.toString(), ids.rootUid(), ids.rootGid());
                    }
                } else if (a.isSymbolicLink()) {
                    throw new InvalidLayerException("invalid tar entry " + quote(name) + ": parent path "
                            + quote(String.join("/", parts.subList(0, i + 1))) + " is a symlink");
                } else if (!a.isDirectory()) {
                    throw new InvalidLayerException("invalid tar entry " + quote(name) + ": parent path "
                            + quote(String.join("/", parts.subList(0, i + 1))) + " is not a directory");
                }
            }
            return p;
        }

        /** Looks a path up inside the layer without creating anything; null when any part is missing or unsafe. */
        private Path findInLayer(List<String> parts) throws IOException {
            Path p = root;
            for (int i = 0; i < parts.size(); i++) {
                p = p.resolve(parts.get(i));
                BasicFileAttributes a = lstat(p);
                if (a == null || (i < parts.size() - 1 && !a.isDirectory())) {
                    return null;
                }
            }
            return p;
        }

        private void whiteout(TarArchiveEntry e, String name, Path parent, String base) throws IOException {
            if (base.equals(OPAQUE_MARKER)) {
                Libc.lsetxattr(parent.toString(), OVERLAY_OPAQUE_XATTR, new byte[] {'y'});
                return;
            }
            String hidden = base.substring(WHITEOUT_PREFIX.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..") || hidden.startsWith(WHITEOUT_PREFIX)) {
                throw new InvalidLayerException("invalid tar entry " + quote(name) + ": invalid whiteout name");
            }
            Path target = parent.resolve(hidden);
            if (lstat(target) != null) {
                removeTree(target);
            }
            // overlayfs' whiteout: a character device 0:0 with the hidden file's name.
            Libc.mknod(target.toString(), Libc.S_IFCHR, 0, 0);
            chown(e, target);
        }

        private void symlink(TarArchiveEntry e, String name, List<String> parts, Path target) throws IOException {
            String link = e.getLinkName();
            if (link == null || link.isEmpty()) {
                throw new InvalidLayerException("invalid tar entry " + quote(name) + ": empty symlink target");
            }
            if (!link.startsWith("/")) {
                // Absolute targets resolve inside the container's root; relative ones must not climb out of it.
                String dir = String.join("/", parts.subList(0, parts.size() - 1));
                String joined = dir.isEmpty() ? link : dir + "/" + link;
                try {
                    cleanPath(joined, false);
                } catch (InvalidLayerException escape) {
                    throw new InvalidLayerException("invalid tar entry " + quote(name) + ": symlink target "
                            + quote(link) + " escapes the layer root");
                }
            }
            Files.createSymbolicLink(target, Path.of(link));
        }

        private void hardlink(TarArchiveEntry e, String name, Path target) throws IOException {
            String link = e.getLinkName();
            List<String> parts;
            try {
                parts = cleanPath(link == null ? "" : link, true);
            } catch (InvalidLayerException escape) {
                throw new InvalidLayerException("invalid tar entry " + quote(name) + ": hardlink target "
                        + quote(link) + " is outside the layer");
            }
            Path source = parts.isEmpty() ? null : findInLayer(parts);
            BasicFileAttributes a = source == null ? null : lstat(source);
            if (a == null || a.isDirectory()) {
                throw new InvalidLayerException("invalid tar entry " + quote(name) + ": hardlink target "
                        + quote(link) + " is not a file extracted earlier in this layer");
            }
            Files.createLink(target, source);
        }

        private void writeFile(TarArchiveEntry e, String name, TarArchiveInputStream tar, Path target) throws IOException {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (true) {
                    int n;
                    try {
                        n = tar.read(buf);
                    } catch (IOException ex) {
                        throw new InvalidLayerException("invalid tar entry " + quote(name) + ": " + ex.getMessage(), ex);
                    }
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                }
            }
            size += e.getSize();
        }

        private void applyMetadata(TarArchiveEntry e, Path p) throws IOException {
            // Through libc by path: the JDK's chmod and utimes open the file, which blocks on a FIFO.
            String path = p.toString();
            chown(e, p);
            applyXattrs(e, p);
            if (!e.isSymbolicLink()) {
                // After chown, which clears setuid/setgid bits.
                Libc.chmod(path, e.getMode() & 07777);
            }
            long mtime = nanos(FileTime.from(e.getModTime().toInstant()));
            long atime = e.getLastAccessTime() != null ? nanos(e.getLastAccessTime()) : mtime;
            if (e.isDirectory()) {
                // Extracting children changes a directory's mtime: set it at the end.
                dirTimes.add(new DirTimes(p, mtime, atime));
            } else {
                Libc.lutimes(path, atime, mtime);
            }
        }

        private static long nanos(FileTime t) {
            return epochNanos(t.toInstant());
        }

        private static void applyXattrs(TarArchiveEntry e, Path p) throws IOException {
            for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
                String key = h.getKey();
                String attr;
                byte[] value;
                if (key.startsWith(SCHILY_XATTR)) {
                    attr = key.substring(SCHILY_XATTR.length());
                    // Known limit: commons-compress decodes PAX values as UTF-8, so binary values may not survive.
                    value = h.getValue().getBytes(StandardCharsets.UTF_8);
                } else if (key.startsWith(LIBARCHIVE_XATTR)) {
                    attr = URLDecoder.decode(key.substring(LIBARCHIVE_XATTR.length()), StandardCharsets.UTF_8);
                    try {
                        value = Base64.getDecoder().decode(h.getValue().trim());
                    } catch (IllegalArgumentException bad) {
                        throw new InvalidLayerException("invalid tar entry " + quote(e.getName()) + ": bad xattr value for " + attr);
                    }
                } else {
                    continue;
                }
                if (attr.startsWith("trusted.overlay.")) {
                    // Overlay's own attributes come only from whiteout translation, never from the archive.
                    continue;
                }
                try {
                    Libc.lsetxattr(p.toString(), attr, value);
                } catch (Libc.ErrnoException ex) {
                    if (ex.errno() != Libc.EPERM && ex.errno() != Libc.EOPNOTSUPP) {
                        throw ex;
                    }
                    // As docker: an attribute the filesystem or namespace refuses is skipped.
                }
            }
        }

        void finish() throws IOException {
            for (int i = dirTimes.size() - 1; i >= 0; i--) {
                DirTimes d = dirTimes.get(i);
                try {
                    Libc.lutimes(d.dir.toString(), d.atime, d.mtime);
                } catch (Libc.ErrnoException replaced) {
                    // a later entry replaced the directory
                }
            }
        }

        private static BasicFileAttributes lstat(Path p) throws IOException {
            try {
                return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }

    /** Nanoseconds since the epoch for a file time; as docker's Chtimes, one that cannot be held becomes the epoch. */
    public static long epochNanos(java.time.Instant i) {
        try {
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
        } catch (ArithmeticException beyondRange) {
            return 0;
        }
    }

    /** Deletes {@code p} and, if it is a real directory, everything below it; symlinks are never followed. */
    public static void removeTree(Path p) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return;
        }
        if (a.isDirectory()) {
            try (var children = Files.newDirectoryStream(p)) {
                for (Path c : children) {
                    removeTree(c);
                }
            }
        }
        try {
            Files.delete(p);
        } catch (NoSuchFileException ignored) {
            // removed meanwhile
        }
    }
}
