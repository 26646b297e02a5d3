package dev.berth.cli.tar;

import dev.berth.sys.Fd;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Local files to and from tar, as the docker CLI's pkg/archive does for {@code docker cp}.
 * Everything below the named path is reached through directory descriptors with
 * {@code O_NOFOLLOW}, and extraction resolves every name with openat2(RESOLVE_IN_ROOT) on the
 * destination, so neither an archive's {@code ..} nor its symlinks can write outside it.
 */
public final class LocalArchive {
    private LocalArchive() {}

    /** A local file error in Go's words: "lstat /x: no such file or directory". */
    public static IOException goError(String op, String path, Libc.ErrnoException e) {
        String m = e.getMessage();
        int colon = m.lastIndexOf(": ");
        String text = colon < 0 ? m : m.substring(colon + 2);
        if (!text.isEmpty()) {
            text = Character.toLowerCase(text.charAt(0)) + text.substring(1);
        }
        return new LocalPathException(op + " " + path + ": " + text, e.errno());
    }

    /** A local path that cannot be used; the message is what docker prints. */
    public static final class LocalPathException extends IOException {
        private final int errno;

        public LocalPathException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    // ---- archiving local files ----

    /**
     * archive.TarResourceRebase: a tar of {@code sourcePath} (its parent followed, the last element
     * not), its entries named from the last element, renamed to {@code rebaseName} when that is
     * not empty, then through {@code rename}.
     */
    public static void write(String sourcePath, String rebaseName, Rename rename, OutputStream out) throws IOException {
        String[] de = GoPath.splitDirEntry(sourcePath);
        String base = de[1];
        Rename names = rebaseName.isEmpty() ? Rename.NONE
                : Rename.replaceFirst(base, rebaseName.equals("/") ? "" : rebaseName);
        Fd dir;
        try {
            dir = Fd.openDirectory(Path.of(de[0]));
        } catch (Libc.ErrnoException e) {
            throw goError("lstat", sourcePath, e);
        }
        try (dir; Fd top = base.equals(".") ? dir.openInRoot(".", Fd.O_PATH, 0) : openEntry(dir, base, sourcePath)) {
            Fd.Stat st = top.stat();
            if (GoPath.hasTrailingSeparator(sourcePath) && !st.isDir()) {
                throw new LocalPathException("lstat " + sourcePath + ": not a directory", Fd.ENOTDIR);
            }
            TarWriter tar = new TarWriter(out);
            Map<String, String> links = new HashMap<>();
            add(tar, names, rename, base, top, st, links);
            if (st.isDir()) {
                walk(tar, names, rename, base.equals(".") ? "." : base, top, links);
            }
            tar.finish();
        }
    }

    private static Fd openEntry(Fd dir, String base, String path) throws IOException {
        try {
            return dir.openAt(base, Fd.O_PATH | Fd.O_NOFOLLOW, 0);
        } catch (Libc.ErrnoException e) {
            throw goError("lstat", path, e);
        }
    }

    private static void walk(TarWriter tar, Rename names, Rename rename, String prefix, Fd dir, Map<String, String> links)
            throws IOException {
        for (String child : dir.list()) {
            Fd f;
            try {
                f = dir.openAt(child, Fd.O_PATH | Fd.O_NOFOLLOW, 0);
            } catch (Libc.ErrnoException gone) {
                continue; // removed while we walked
            }
            try (f) {
                Fd.Stat st = f.stat();
                String rel = prefix + "/" + child;
                add(tar, names, rename, rel, f, st, links);
                if (st.isDir()) {
                    walk(tar, names, rename, rel, f, links);
                }
            }
        }
    }

    private static void add(TarWriter tar, Rename names, Rename rename, String rel, Fd f, Fd.Stat st,
                            Map<String, String> links) throws IOException {
        String name = names.apply(rel);
        char type;
        String link = "";
        switch (st.type()) {
            case 0040000 -> {
                type = TarHeader.DIR;
                name += "/";
            }
            case 0120000 -> {
                type = TarHeader.SYMLINK;
                link = f.readlink();
            }
            case 0100000 -> type = TarHeader.FILE;
            case 0020000 -> type = TarHeader.CHARDEV;
            case 0060000 -> type = TarHeader.BLOCKDEV;
            case 0010000 -> type = TarHeader.FIFO;
            default -> {
                return; // sockets are not archived
            }
        }
        name = rename.apply(name);
        long size = type == TarHeader.FILE ? st.size() : 0;
        if (type != TarHeader.DIR && st.nlink() > 1) {
            // a file seen before under another name becomes a hardlink to that name, as Docker does
            String key = st.devMajor() + ":" + st.devMinor() + ":" + st.ino();
            String first = links.putIfAbsent(key, name);
            if (first != null) {
                type = TarHeader.HARDLINK;
                link = first;
                size = 0;
            }
        }
        tar.put(new TarHeader(name, type, st.mode() & 07777, Integer.toUnsignedLong(st.uid()), Integer.toUnsignedLong(st.gid()),
                size, st.mtimeNanos(), -1, link, st.rdevMajor(), st.rdevMinor()));
        if (type == TarHeader.FILE) {
            // reopening the O_PATH descriptor through /proc reads this very file, whatever its name holds now
            try (InputStream in = Files.newInputStream(f.procPath())) {
                copyExactly(in, tar.content(), size);
            }
        }
    }

    /** Copies {@code size} bytes: a file that shrank meanwhile is padded with zeros, one that grew is cut. */
    private static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                java.util.Arrays.fill(buf, (byte) 0);
                n = (int) Math.min(buf.length, left);
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    // ---- extracting into a local directory ----

    /**
     * archive.Untar with docker cp's options (no chown, no directory replaced by a file or the
     * other way round): extracts {@code in} into the existing directory {@code dest}, each entry
     * renamed first.
     */
    public static void extract(InputStream in, String dest, Rename rename) throws IOException {
        Fd root;
        try {
            root = Fd.openDirectory(Path.of(dest));
        } catch (Libc.ErrnoException e) {
            throw goError("open", dest, e);
        }
        try (root) {
            new Extraction(root, GoPath.clean(dest)).run(new TarReader(in), rename);
        }
    }

    private static final class Extraction {
        private record DirTime(String rel, long atime, long mtime) {}

        private final Fd root;
        private final String dest;
        private final List<DirTime> dirTimes = new ArrayList<>();

        Extraction(Fd root, String dest) {
            this.root = root;
            this.dest = dest;
        }

        void run(TarReader tar, Rename rename) throws IOException {
            TarHeader h;
            while ((h = tar.next()) != null) {
                apply(rename.apply(h), tar.content());
            }
            for (DirTime d : dirTimes) {
                try (Fd f = root.openInRoot(d.rel(), Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                    if (f.stat().isDir()) {
                        f.utimes(d.atime(), d.mtime());
                    }
                }
            }
        }

        /** Clean components below the destination, or null when the name climbs out of it. */
        private static List<String> parts(List<String> start, String name) {
            Deque<String> out = new ArrayDeque<>(start);
            for (String p : name.split("/")) {
                if (p.isEmpty() || p.equals(".")) {
                    continue;
                }
                if (p.equals("..")) {
                    if (out.isEmpty()) {
                        return null;
                    }
                    out.removeLast();
                } else {
                    out.addLast(p);
                }
            }
            return List.copyOf(out);
        }

        private String host(List<String> parts) {
            return parts.isEmpty() ? dest : GoPath.join(dest, String.join("/", parts));
        }

        private static String rel(List<String> parts) {
            return parts.isEmpty() ? "." : String.join("/", parts);
        }

        private void apply(TarHeader h, InputStream content) throws IOException {
            // Go cleans the name first: a leading "/.." stays at "/", anything else climbing out is refused
            String name = h.name().startsWith("/") ? GoPath.clean(h.name()) : h.name();
            List<String> parts = parts(List.of(), name);
            if (parts == null) {
                throw new IOException(quote(GoPath.clean(h.name())) + " is outside of " + quote(dest));
            }
            if (parts.isEmpty()) {
                return; // the destination itself exists as a directory: Docker leaves it as it is
            }
            String path = host(parts);
            try (Fd parent = parentOf(parts)) {
                String leaf = parts.getLast();
                Fd.Stat existing = parent.lstatAt(leaf);
                if (existing != null) {
                    if (existing.isDir() && !h.isDir()) {
                        throw new IOException("cannot overwrite directory " + quote(path) + " with non-directory " + quote(dest));
                    }
                    if (!existing.isDir() && h.isDir()) {
                        throw new IOException("cannot overwrite non-directory " + quote(path) + " with directory " + quote(dest));
                    }
                    if (!existing.isDir()) {
                        parent.unlinkAt(leaf, false);
                    }
                }
                switch (h.type()) {
                    case TarHeader.DIR -> {
                        if (existing == null) {
                            parent.mkdirAt(leaf, 0700);
                        }
                    }
                    case TarHeader.SYMLINK -> {
                        if (parts(parts.subList(0, parts.size() - 1), h.linkName()) == null) {
                            throw new IOException("invalid symlink " + quote(path) + " -> " + quote(h.linkName()));
                        }
                        parent.symlinkAt(leaf, h.linkName());
                    }
                    case TarHeader.HARDLINK -> {
                        List<String> target = parts(List.of(), h.linkName());
                        if (target == null || target.isEmpty()) {
                            throw new IOException("invalid hardlink " + quote(GoPath.join(dest, h.linkName())) + " -> "
                                    + quote(h.linkName()));
                        }
                        try (Fd s = root.openInRoot(rel(target), Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                            if (s.stat().isDir()) {
                                throw new IOException("link " + host(target) + " " + path + ": operation not permitted");
                            }
                            parent.linkAt(s, leaf);
                        } catch (Libc.ErrnoException e) {
                            throw goError("link " + host(target), path, e);
                        }
                        return; // a hardlink shares its target's metadata
                    }
                    case TarHeader.CHARDEV, TarHeader.BLOCKDEV, TarHeader.FIFO -> {
                        int t = h.type() == TarHeader.CHARDEV ? Libc.S_IFCHR : h.type() == TarHeader.BLOCKDEV ? Libc.S_IFBLK : Libc.S_IFIFO;
                        parent.mknodAt(leaf, t | 0600, h.devMajor(), h.devMinor());
                    }
                    case TarHeader.FILE -> {
                        try (Fd f = parent.openAt(leaf, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL | Fd.O_NOFOLLOW, 0600);
                             OutputStream out = Files.newOutputStream(f.procPath(), StandardOpenOption.WRITE)) {
                            content.transferTo(out);
                        }
                    }
                    default -> throw new IOException("unhandled tar header type " + (int) h.type());
                }
                if (h.type() == TarHeader.SYMLINK) {
                    return; // a symlink has no mode, and docker cp keeps its owner and times as created
                }
                try (Fd f = parent.openAt(leaf, Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                    f.chmod(h.mode() & 07777);
                    long atime = Math.max(h.atimeNanos(), h.mtimeNanos());
                    if (h.isDir()) {
                        dirTimes.add(new DirTime(rel(parts), atime, h.mtimeNanos())); // its children would change it
                    } else {
                        f.utimes(atime, h.mtimeNanos());
                    }
                }
            } catch (Libc.ErrnoException e) {
                throw goError("extract", path, e);
            }
        }

        /** The directory that holds the entry (resolved inside the destination), missing parents made 0755. */
        private Fd parentOf(List<String> parts) throws IOException {
            Fd cur = root.openInRoot(".", Fd.O_PATH | Fd.O_DIRECTORY, 0);
            try {
                for (int i = 0; i < parts.size() - 1; i++) {
                    String next = rel(parts.subList(0, i + 1));
                    Fd d;
                    try {
                        d = root.openInRoot(next, Fd.O_PATH | Fd.O_DIRECTORY, 0);
                    } catch (Libc.ErrnoException e) {
                        if (e.errno() != Libc.ENOENT) {
                            throw goError("mkdir", host(parts.subList(0, i + 1)), e);
                        }
                        Fd.Stat there = cur.lstatAt(parts.get(i));
                        if (there != null) {
                            // a symlink whose target is missing in the destination: Docker would write through it
                            throw new IOException("cannot extract " + quote(host(parts)) + ": " + quote(host(parts.subList(0, i + 1)))
                                    + " is a symlink to a directory outside of " + quote(dest));
                        }
                        cur.mkdirAt(parts.get(i), 0755);
                        d = root.openInRoot(next, Fd.O_PATH | Fd.O_DIRECTORY, 0);
                    }
                    cur.close();
                    cur = d;
                }
                return cur;
            } catch (IOException | RuntimeException e) {
                cur.close();
                throw e;
            }
        }

        private static String quote(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
    }
}
