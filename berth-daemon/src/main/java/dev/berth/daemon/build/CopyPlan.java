package dev.berth.daemon.build;

import dev.berth.oci.Digest;
import dev.berth.oci.LayerArchive;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What one COPY or ADD puts in its layer, worked out before anything is written so the step's
 * cache key (a checksum of every file's destination, type, mode, size, link target and content)
 * is known first. Sources are read through a {@link FileView}, which never follows a symlink.
 */
final class CopyPlan {
    /** One entry to write at {@code dest} (absolute). */
    sealed interface Item {
        String dest();
    }

    record Dir(String dest, int mode, long mtime, boolean top) implements Item {}

    /** A file of {@code from} at {@code rel}, as {@code entry} describes it. */
    record File(String dest, FileView from, String rel, FileView.Entry entry) implements Item {}

    record Link(String dest, String target, long mtime) implements Item {}

    record Inline(String dest, byte[] data, int mode, long mtime) implements Item {}

    /** A local archive ADD extracts into {@code dest}. */
    record Archive(String dest, FileView from, String rel, FileView.Entry entry) implements Item {}

    private final List<Item> items = new ArrayList<>();
    private final MessageDigest sum = Digest.newSha256();
    private final ContentHashes hashes;

    CopyPlan(ContentHashes hashes) {
        this.hashes = hashes;
    }

    List<Item> items() {
        return items;
    }

    /** The checksum of everything planned (hex). */
    String checksum() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) sum.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private void note(String... parts) {
        for (String p : parts) {
            sum.update(p.getBytes(StandardCharsets.UTF_8));
            sum.update((byte) 0);
        }
        sum.update((byte) '\n');
    }

    /**
     * Adds source {@code rel} of {@code view}: a directory's contents go into {@code dest}; anything
     * else goes to {@code dest} itself, or into it when {@code destIsDir}.
     */
    void add(FileView view, String rel, String dest, boolean destIsDir, boolean extractArchives) throws IOException {
        FileView.Entry e = view.entry(rel);
        if (e == null) {
            throw new IOException("file not found in build context or excluded by .dockerignore: stat " + rel + ": file does not exist");
        }
        if (e.isDirectory()) {
            items.add(new Dir(dest, e.mode(), e.mtimeMillis(), true));
            note("dir", dest, Integer.toOctalString(e.mode()));
            walk(view, rel, dest);
            return;
        }
        String target = destIsDir ? join(dest, base(rel)) : dest;
        if (extractArchives && e.isRegularFile() && isArchive(view.open(rel, e))) {
            items.add(new Archive(dest, view, rel, e));
            note("archive", dest, hashes.of(e));
            return;
        }
        entry(view, rel, e, target);
    }

    private void walk(FileView view, String rel, String dest) throws IOException {
        for (String name : view.list(rel)) {
            String childRel = rel.equals(".") ? name : rel + "/" + name;
            FileView.Entry c = view.entry(childRel);
            if (c == null) {
                continue;
            }
            String childDest = join(dest, name);
            if (c.isDirectory()) {
                items.add(new Dir(childDest, c.mode(), c.mtimeMillis(), false));
                note("dir", childDest, Integer.toOctalString(c.mode()));
                walk(view, childRel, childDest);
            } else {
                entry(view, childRel, c, childDest);
            }
        }
    }

    private void entry(FileView view, String rel, FileView.Entry e, String dest) throws IOException {
        if (e.isSymbolicLink()) {
            items.add(new Link(dest, e.link(), e.mtimeMillis()));
            note("link", dest, e.link());
        } else if (e.isRegularFile()) {
            items.add(new File(dest, view, rel, e));
            note("file", dest, Integer.toOctalString(e.mode()), Long.toString(e.size()), hashes.of(e));
        }
        // sockets, fifos and devices are left out, as a context walk leaves them out
    }

    /** Adds a file given by content (a COPY heredoc, an ADD URL download). */
    void inline(String dest, byte[] data, int mode, long mtime) {
        items.add(new Inline(dest, data, mode, mtime));
        note("inline", dest, Integer.toOctalString(mode), HexFormat.of().formatHex(Digest.newSha256().digest(data)));
    }

    /**
     * Writes the plan; {@code chmod} (may be null) replaces the modes of what was copied; an
     * extracted archive keeps its entries' owners unless {@code chown} was given.
     */
    void write(LayerWriter w, int uid, int gid, Integer chmod, boolean chown) throws IOException {
        for (Item it : items) {
            w.parents(it.dest(), uid, gid);
            switch (it) {
                case Dir d -> {
                    if (!(d.top() && w.isDir(d.dest()))) {
                        w.dir(d.dest(), new LayerWriter.Meta(chmod != null ? chmod : d.mode(), uid, gid, d.mtime()));
                    }
                }
                case File f -> {
                    FileView.Entry e = f.entry();
                    try (InputStream in = f.from().open(f.rel(), e)) {
                        w.file(f.dest(), in, e.size(), new LayerWriter.Meta(chmod != null ? chmod : e.mode(), uid, gid, e.mtimeMillis()), f.rel());
                    }
                }
                case Link l -> w.symlink(l.dest(), l.target(), new LayerWriter.Meta(0777, uid, gid, l.mtime()));
                case Inline i -> w.bytes(i.dest(), i.data(), new LayerWriter.Meta(chmod != null ? chmod : i.mode(), uid, gid, i.mtime()));
                case Archive a -> extract(w, a, uid, gid, chown);
            }
        }
    }

    /** ADD of a local tar: its entries under the destination, names cleaned and kept inside it. */
    private static void extract(LayerWriter w, Archive a, int uid, int gid, boolean chown) throws IOException {
        w.mkdirs(a.dest(), uid, gid);
        try (InputStream raw = new BufferedInputStream(a.from().open(a.rel(), a.entry()), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(LayerArchive.decompress(raw))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String rel = inside(e.getName());
                if (rel.isEmpty()) {
                    continue;
                }
                String dest = join(a.dest(), rel);
                LayerWriter.Meta m = new LayerWriter.Meta(e.getMode(), chown ? uid : (int) e.getLongUserId(),
                        chown ? gid : (int) e.getLongGroupId(), e.getModTime().getTime());
                w.parents(dest, 0, 0);
                if (e.isDirectory()) {
                    w.dir(dest, m);
                } else if (e.isSymbolicLink()) {
                    w.symlink(dest, e.getLinkName(), m);
                } else if (e.isLink()) {
                    w.hardlink(dest, join(a.dest(), inside(e.getLinkName())), m);
                } else if (e.isFile()) {
                    w.stream(dest, tar, e.getSize(), m);
                }
            }
        }
    }

    /** A tar entry name made relative and kept inside the destination ({@code ..} cannot climb out). */
    static String inside(String name) throws IOException {
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new IOException("invalid archive entry " + name + ": path escapes the destination");
                }
                parts.removeLast();
                continue;
            }
            parts.add(p);
        }
        return String.join("/", parts);
    }

    /** Whether ADD unpacks a file: a tar, possibly compressed, as Docker detects it. */
    static boolean isArchive(Path p) throws IOException {
        return isArchive(Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** Whether ADD unpacks these contents (closed here). */
    static boolean isArchive(InputStream contents) throws IOException {
        try (InputStream raw = new BufferedInputStream(contents)) {
            if (LayerArchive.detect(raw) != LayerArchive.Compression.NONE) {
                return true;
            }
            byte[] head = raw.readNBytes(512);
            return head.length == 512 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        }
    }

    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    static String base(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? rel : rel.substring(slash + 1);
    }

    /**
     * Content digests: those the context index took as the tar came in, else read from the host
     * file once per build (image and stage layer files do not change while it runs).
     */
    static final class ContentHashes {
        private final java.util.concurrent.ConcurrentHashMap<String, String> memo = new java.util.concurrent.ConcurrentHashMap<>();

        String of(FileView.Entry e) throws IOException {
            if (e.digest() != null) {
                return e.digest();
            }
            Path p = e.host();
            String k = p + "\0" + e.size() + "\0" + e.mtimeMillis();
            String v = memo.get(k);
            if (v == null) {
                MessageDigest md = Digest.newSha256();
                try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                    }
                }
                v = HexFormat.of().formatHex(md.digest());
                memo.put(k, v);
            }
            return v;
        }
    }
}
