package dev.berth.daemon.containers;

import dev.berth.daemon.api.ApiException;
import dev.berth.oci.IdMap;
import dev.berth.sys.Fd;
import dev.berth.sys.Libc;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The archive API ({@code docker cp}) on one container's root filesystem. Every path the client
 * names is resolved with openat2(RESOLVE_IN_ROOT) on a descriptor of the root, so symlinks and
 * {@code ..} mean what they mean inside the container and can never reach the host; below that,
 * everything is done with {@code *at} calls on descriptors and no final symlink is followed, so
 * a container that swaps a directory for a symlink meanwhile gains nothing.
 */
final class ContainerArchive {
    private static final int GO_DIR = 1 << 31;
    private static final int GO_SYMLINK = 1 << 27;
    private static final int GO_DEVICE = 1 << 26;
    private static final int GO_PIPE = 1 << 25;
    private static final int GO_SOCKET = 1 << 24;
    private static final int GO_SETUID = 1 << 23;
    private static final int GO_SETGID = 1 << 22;
    private static final int GO_CHARDEV = 1 << 21;
    private static final int GO_STICKY = 1 << 20;

    private final Path rootfs;
    private final String container;
    private final IdMap ids;

    /** {@code container} is the name used in Docker's "not found" message. */
    ContainerArchive(Path rootfs, String container) {
        this(rootfs, container, IdMap.IDENTITY);
    }

    /**
     * With the files owned through {@code ids} (a daemon with {@code --userns-remap}): archives show the
     * owners as the container sees them, extracted owners are shifted onto the host.
     */
    ContainerArchive(Path rootfs, String container, IdMap ids) {
        this.rootfs = rootfs;
        this.container = container;
        this.ids = ids;
    }

    /** {@code X-Docker-Container-Path-Stat}: what the path names, as Docker's ContainerPathStat. */
    record PathStat(String name, long size, long mode, String mtime, String linkTarget) {}

    /** A path as the client gave it: its absolute form, parent, last element and the name its archive uses. */
    private record Target(String abs, String dir, String base) {
        /** Docker: a trailing {@code /} or {@code /.} means the directory itself, followed. */
        boolean followFinal() {
            return base.isEmpty() || base.equals(".");
        }

        String rebaseName() {
            if (base.isEmpty()) {
                String d = dir.length() > 1 ? dir.substring(0, dir.length() - 1) : dir;
                return d.equals("/") ? "/" : d.substring(d.lastIndexOf('/') + 1);
            }
            return base;
        }
    }

    private static Target target(String path) {
        if (path == null || path.isEmpty()) {
            throw ApiException.badRequest("path is required");
        }
        if (path.indexOf('\0') >= 0) {
            throw ApiException.badRequest("invalid path");
        }
        boolean trailingSlash = path.endsWith("/");
        boolean trailingDot = path.equals(".") || path.endsWith("/.");
        List<String> parts = lexical("/" + path);
        String clean = "/" + String.join("/", parts);
        if (trailingDot) {
            return new Target(clean.equals("/") ? "/." : clean + "/.", clean.equals("/") ? "/" : clean + "/", ".");
        }
        if (trailingSlash || parts.isEmpty()) {
            return new Target(clean.equals("/") ? "/" : clean + "/", clean.equals("/") ? "/" : clean + "/", "");
        }
        String base = parts.getLast();
        String dir = "/" + String.join("/", parts.subList(0, parts.size() - 1));
        return new Target(clean, dir, base);
    }

    /** Lexical cleaning of an absolute path: {@code ..} at the root stays at the root, as in the container. */
    static List<String> lexical(String abs) {
        Deque<String> out = new ArrayDeque<>();
        for (String p : abs.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                out.pollLast();
            } else {
                out.addLast(p);
            }
        }
        return List.copyOf(out);
    }

    private ApiException notFound(String path) {
        return ApiException.notFound("Could not find the file " + path + " in container " + container);
    }

    /** Opens what {@code t} names (O_PATH): the parent is followed in the root, the last element only with a trailing slash or dot. */
    private Fd open(Fd root, Target t, String asked) throws IOException {
        try {
            if (t.followFinal()) {
                return root.openInRoot(t.dir(), Fd.O_PATH, 0);
            }
            try (Fd dir = root.openInRoot(t.dir(), Fd.O_PATH | Fd.O_DIRECTORY, 0)) {
                return dir.openAt(t.base(), Fd.O_PATH | Fd.O_NOFOLLOW, 0);
            }
        } catch (Libc.ErrnoException e) {
            if (e.errno() == Libc.ENOENT || e.errno() == Fd.ENOTDIR || e.errno() == Fd.ELOOP) {
                throw notFound(asked);
            }
            throw e;
        }
    }

    PathStat stat(String path) throws IOException {
        Target t = target(path);
        try (Fd root = Fd.openDirectory(rootfs); Fd f = open(root, t, path)) {
            return stat(root, t, f.stat());
        }
    }

    private PathStat stat(Fd root, Target t, Fd.Stat st) throws IOException {
        String link = "";
        if (st.isSymlink()) {
            // Docker reports where the link finally leads, inside the container
            try (Fd resolved = root.openInRoot(t.abs(), Fd.O_PATH, 0)) {
                link = inContainer(resolved.hostPath());
            } catch (Libc.ErrnoException dangling) {
                try (Fd f = open(root, t, t.abs())) {
                    String text = f.readlink();
                    link = "/" + String.join("/", lexical(text.startsWith("/") ? text : t.dir() + "/" + text));
                }
            }
        }
        String name = t.rebaseName();
        return new PathStat(name, st.size(), goMode(st.mode()), Instant.ofEpochSecond(0, st.mtimeNanos()).toString(), link);
    }

    private String inContainer(String hostPath) throws IOException {
        // the kernel names files by their real path: compare with the root's real path
        String root = rootfs.toRealPath().toString();
        if (hostPath.equals(root)) {
            return "/";
        }
        return hostPath.startsWith(root + "/") ? hostPath.substring(root.length()) : hostPath;
    }

    /** Go's os.FileMode bits for a Unix st_mode, as Docker puts them in the stat header. */
    static long goMode(int mode) {
        long m = mode & 0777;
        switch (mode & 0170000) {
            case 0040000 -> m |= Integer.toUnsignedLong(GO_DIR);
            case 0120000 -> m |= GO_SYMLINK;
            case 0020000 -> m |= GO_DEVICE | GO_CHARDEV;
            case 0060000 -> m |= GO_DEVICE;
            case 0010000 -> m |= GO_PIPE;
            case 0140000 -> m |= GO_SOCKET;
            default -> { }
        }
        if ((mode & 04000) != 0) {
            m |= GO_SETUID;
        }
        if ((mode & 02000) != 0) {
            m |= GO_SETGID;
        }
        if ((mode & 01000) != 0) {
            m |= GO_STICKY;
        }
        return m;
    }

    /** Streams a tar of what {@code path} names, its top entry renamed as Docker does; returns its stat first through {@code head}. */
    void get(String path, java.util.function.Consumer<PathStat> head, java.util.function.Supplier<OutputStream> body) throws IOException {
        Target t = target(path);
        try (Fd root = Fd.openDirectory(rootfs); Fd f = open(root, t, path)) {
            Fd.Stat st = f.stat();
            head.accept(stat(root, t, st));
            try (OutputStream out = body.get()) {
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                String name = t.rebaseName().equals("/") ? "." : t.rebaseName();
                entry(tar, name, f, st, ids);
                if (st.isDir()) {
                    walk(tar, name, f, ids);
                }
                tar.finish();
                tar.flush();
            }
        }
    }

    private static void walk(TarArchiveOutputStream tar, String prefix, Fd dir, IdMap ids) throws IOException {
        for (String child : dir.list()) {
            Fd f;
            try {
                f = dir.openAt(child, Fd.O_PATH | Fd.O_NOFOLLOW, 0);
            } catch (Libc.ErrnoException gone) {
                continue; // removed while we walked
            }
            try (f) {
                Fd.Stat st = f.stat();
                String name = prefix + "/" + child;
                if (st.type() == 0140000) {
                    continue; // sockets are not archived
                }
                entry(tar, name, f, st, ids);
                if (st.isDir()) {
                    walk(tar, name, f, ids); // the descriptor stays on this directory whatever happens to its name
                }
            }
        }
    }

    /** Writes one tar entry for the file {@code f} (its content too, for a regular file), owned as {@code ids} show it. */
    static void entry(TarArchiveOutputStream tar, String name, Fd f, Fd.Stat st, IdMap ids) throws IOException {
        TarArchiveEntry e;
        switch (st.type()) {
            case 0040000 -> e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
            case 0120000 -> {
                e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                e.setLinkName(f.readlink());
            }
            case 0100000 -> {
                e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
                e.setSize(st.size());
            }
            case 0020000, 0060000 -> {
                e = new TarArchiveEntry(name, st.type() == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK);
                e.setDevMajor(st.rdevMajor());
                e.setDevMinor(st.rdevMinor());
            }
            case 0010000 -> e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
            default -> {
                return;
            }
        }
        e.setMode(st.mode() & 07777);
        e.setUserId(ids.containerUid(Integer.toUnsignedLong(st.uid())));
        e.setGroupId(ids.containerGid(Integer.toUnsignedLong(st.gid())));
        e.setModTime(FileTime.from(Instant.ofEpochSecond(0, st.mtimeNanos())));
        tar.putArchiveEntry(e);
        if (st.isRegular()) {
            // reopening the O_PATH descriptor through /proc opens this very file, whatever its path now holds
            try (InputStream in = Files.newInputStream(f.procPath())) {
                copyExactly(in, tar, st.size());
            }
        }
        tar.closeArchiveEntry();
    }

    /** Copies {@code size} bytes: a file that shrank meanwhile is padded with zeros, one that grew is cut. */
    private static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                java.util.Arrays.fill(buf, (byte) 0);
                while (left > 0) {
                    int z = (int) Math.min(buf.length, left);
                    out.write(buf, 0, z);
                    left -= z;
                }
                return;
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Owner for every extracted file ({@code copyUIDGID} with a container user), or null to keep the archive's. */
    record Owner(int uid, int gid) {}

    /** {@code PUT}: extracts a tar into the directory {@code path} names (followed, in the root). */
    void put(String path, InputStream body, boolean noOverwriteDirNonDir, Owner owner) throws IOException {
        Target t = target(path);
        try (Fd root = Fd.openDirectory(rootfs)) {
            String dest;
            try (Fd d = root.openInRoot(t.abs(), Fd.O_PATH, 0)) {
                if (!d.stat().isDir()) {
                    throw ApiException.badRequest("extraction point is not a directory");
                }
                dest = inContainer(d.hostPath());
            } catch (Libc.ErrnoException e) {
                if (e.errno() == Libc.ENOENT || e.errno() == Fd.ENOTDIR) {
                    throw notFound(path);
                }
                throw e;
            }
            InputStream tar;
            try {
                tar = dev.berth.oci.LayerArchive.decompress(body); // as Docker: plain, gzip, bzip2 or xz
            } catch (dev.berth.oci.InvalidLayerException e) {
                throw ApiException.badRequest("invalid archive: " + e.getMessage());
            }
            try {
                new Extraction(root, dest, noOverwriteDirNonDir, owner, ids).run(new TarArchiveInputStream(tar));
            } catch (Libc.ErrnoException e) {
                int n = e.errno();
                if (n == Libc.ENOENT || n == Fd.ENOTDIR || n == Fd.ELOOP || n == Fd.EEXIST || n == Fd.EISDIR || n == Fd.ENOTEMPTY
                        || n == Libc.EINVAL || n == Fd.ENAMETOOLONG) {
                    // the archive does not fit what the container holds, or an entry no file can be (a device
                    // of no known type, a name too long): the client's fault (found by ArchivePutFuzzTest)
                    throw ApiException.badRequest("cannot extract the archive: " + e.getMessage());
                }
                throw e;
            }
        }
    }

    /** One tar extracted below {@code dest} (a path inside the container). */
    private static final class Extraction {
        private record DirTime(String path, long atime, long mtime) {}

        private final Fd root;
        private final String dest;
        private final boolean noOverwriteDirNonDir;
        private final Owner owner;
        private final IdMap ids;
        private final List<DirTime> dirTimes = new ArrayList<>();

        Extraction(Fd root, String dest, boolean noOverwriteDirNonDir, Owner owner, IdMap ids) {
            this.ids = ids;
            this.root = root;
            this.dest = dest.equals("/") ? "" : dest;
            this.noOverwriteDirNonDir = noOverwriteDirNonDir;
            this.owner = owner;
        }

        void run(TarArchiveInputStream tar) throws IOException {
            TarArchiveEntry e;
            while ((e = nextEntry(tar)) != null) {
                apply(e, tar);
            }
            for (int i = dirTimes.size() - 1; i >= 0; i--) {
                DirTime d = dirTimes.get(i);
                try (Fd f = root.openInRoot(d.path(), Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                    if (f.stat().isDir()) {
                        f.utimes(d.atime(), d.mtime());
                    }
                }
            }
        }

        private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) {
            try {
                return tar.getNextEntry();
            } catch (IOException e) {
                throw ApiException.badRequest("invalid tar archive: " + e.getMessage());
            }
        }

        /** Clean components of an entry name below the destination; {@code ..} may not climb above it. */
        private static List<String> parts(String name, String what) {
            Deque<String> out = new ArrayDeque<>();
            for (String p : name.split("/")) {
                if (p.isEmpty() || p.equals(".")) {
                    continue;
                }
                if (p.equals("..")) {
                    if (out.isEmpty()) {
                        throw ApiException.badRequest("invalid tar entry " + quote(name) + ": " + what + " is outside of the destination");
                    }
                    out.removeLast();
                } else {
                    out.addLast(p);
                }
            }
            return List.copyOf(out);
        }

        private static String quote(String s) {
            return "\"" + s.replace("\"", "\\\"") + "\"";
        }

        private String inDest(List<String> parts) {
            return dest + "/" + String.join("/", parts);
        }

        private void apply(TarArchiveEntry e, TarArchiveInputStream tar) throws IOException {
            List<String> parts = parts(e.getName(), "path");
            if (parts.isEmpty()) {
                return; // "." is the destination, an existing directory: Docker leaves its metadata alone
            }
            try (Fd parent = parentOf(parts)) {
                String name = parts.getLast();
                Fd.Stat existing = parent.lstatAt(name);
                if (existing != null) {
                    if (noOverwriteDirNonDir && existing.isDir() && !e.isDirectory()) {
                        throw ApiException.badRequest("cannot overwrite directory " + quote(inDest(parts)) + " with non-directory");
                    }
                    if (noOverwriteDirNonDir && !existing.isDir() && e.isDirectory()) {
                        throw ApiException.badRequest("cannot overwrite non-directory " + quote(inDest(parts)) + " with directory");
                    }
                    if (!existing.isDir() || !e.isDirectory()) {
                        removeTree(parent, name, existing);
                    }
                }
                if (e.isDirectory()) {
                    if (existing == null || !existing.isDir()) {
                        parent.mkdirAt(name, 0700);
                    }
                } else if (e.isSymbolicLink()) {
                    parent.symlinkAt(name, e.getLinkName());
                } else if (e.isLink()) {
                    List<String> src = parts(e.getLinkName(), "hardlink target");
                    try (Fd s = root.openInRoot(inDest(src), Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                        if (s.stat().isDir()) {
                            throw ApiException.badRequest("invalid tar entry " + quote(e.getName()) + ": hardlink to a directory");
                        }
                        parent.linkAt(s, name);
                    } catch (Libc.ErrnoException missing) {
                        throw ApiException.badRequest("invalid tar entry " + quote(e.getName()) + ": hardlink target "
                                + quote(e.getLinkName()) + " not found");
                    }
                } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                    int type = e.isCharacterDevice() ? Libc.S_IFCHR : e.isBlockDevice() ? Libc.S_IFBLK : Libc.S_IFIFO;
                    parent.mknodAt(name, type | 0600, e.getDevMajor(), e.getDevMinor());
                } else if (e.isFile()) {
                    try (Fd f = parent.openAt(name, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL | Fd.O_NOFOLLOW, 0600);
                         OutputStream out = Files.newOutputStream(f.procPath(), StandardOpenOption.WRITE)) {
                        copyEntry(tar, out);
                    }
                } else {
                    throw ApiException.badRequest("invalid tar entry " + quote(e.getName()) + ": unsupported type");
                }
                if (!e.isLink()) {
                    try (Fd f = parent.openAt(name, Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                        metadata(e, f, inDest(parts));
                    }
                }
            }
        }

        /**
         * An entry's data: what cannot be read (a truncated or corrupt archive) is the client's fault, a
         * 400, while a failed write (a full disk) stays the server's.
         */
        private static void copyEntry(TarArchiveInputStream tar, OutputStream out) throws IOException {
            byte[] buf = new byte[64 * 1024];
            while (true) {
                int n;
                try {
                    n = tar.read(buf);
                } catch (IOException e) {
                    throw ApiException.badRequest("invalid tar archive: " + e.getMessage());
                }
                if (n < 0) {
                    return;
                }
                out.write(buf, 0, n);
            }
        }

        /** The directory that holds the entry, its missing parents made (0755, root) as Docker does. */
        private Fd parentOf(List<String> parts) throws IOException {
            String p = dest;
            Fd cur = root.openInRoot(p.isEmpty() ? "/" : p, Fd.O_PATH | Fd.O_DIRECTORY, 0);
            try {
                for (int i = 0; i < parts.size() - 1; i++) {
                    String next = p + "/" + parts.get(i);
                    Fd d;
                    try {
                        d = root.openInRoot(next, Fd.O_PATH | Fd.O_DIRECTORY, 0);
                    } catch (Libc.ErrnoException e) {
                        if (e.errno() != Libc.ENOENT) {
                            throw ApiException.badRequest("cannot extract below " + quote(next) + ": " + e.getMessage());
                        }
                        cur.mkdirAt(parts.get(i), 0755);
                        d = root.openInRoot(next, Fd.O_PATH | Fd.O_DIRECTORY, 0);
                    }
                    cur.close();
                    cur = d;
                    p = next;
                }
                return cur;
            } catch (IOException | RuntimeException e) {
                cur.close();
                throw e;
            }
        }

        private static void removeTree(Fd parent, String name, Fd.Stat st) throws IOException {
            if (st.isDir()) {
                try (Fd d = parent.openAt(name, Fd.O_PATH | Fd.O_DIRECTORY | Fd.O_NOFOLLOW, 0)) {
                    for (String child : d.list()) {
                        Fd.Stat cs = d.lstatAt(child);
                        if (cs != null) {
                            removeTree(d, child, cs);
                        }
                    }
                }
            }
            parent.unlinkAt(name, st.isDir());
        }

        private void metadata(TarArchiveEntry e, Fd f, String path) throws IOException {
            int uid;
            int gid;
            try {
                uid = ids.hostUid(owner != null ? Integer.toUnsignedLong(owner.uid()) : e.getLongUserId());
                gid = ids.hostGid(owner != null ? Integer.toUnsignedLong(owner.gid()) : e.getLongGroupId());
            } catch (IllegalArgumentException unmapped) {
                throw ApiException.badRequest("cannot extract " + quote(e.getName()) + ": " + unmapped.getMessage());
            }
            f.chown(uid, gid);
            if (e.isSymbolicLink()) {
                return;
            }
            f.chmod(e.getMode() & 07777); // after chown, which clears setuid/setgid
            long mtime = nanos(e.getModTime().toInstant());
            long atime = e.getLastAccessTime() != null ? nanos(e.getLastAccessTime().toInstant()) : mtime;
            if (e.isDirectory()) {
                dirTimes.add(new DirTime(path, atime, mtime)); // extracting children would change it
            } else {
                f.utimes(atime, mtime);
            }
        }

        private static long nanos(Instant i) {
            return dev.berth.oci.LayerArchive.epochNanos(i); // found by ArchivePutFuzzTest: overflow was a 500
        }
    }
}
