package dev.berth.daemon.build;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a build step's layer tar (COPY, ADD, WORKDIR): entries under absolute image paths,
 * with the parents the image lacks created first, each directory written once.
 */
final class LayerWriter implements AutoCloseable {
    private final TarArchiveOutputStream tar;
    private final FileView image;
    private final Set<String> dirs = new HashSet<>();

    /** @param image the parent image's files, to know which parent directories exist already */
    LayerWriter(OutputStream out, FileView image) {
        this.tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        this.image = image;
    }

    /** Owner and mode bits for entries written. */
    record Meta(int mode, int uid, int gid, long mtimeMillis) {}

    /** Whether the image or this layer already has a directory at {@code abs}. */
    boolean isDir(String abs) {
        String rel = rel(abs);
        return rel.isEmpty() || dirs.contains(rel) || image.kind(rel) == dev.berth.dockerfile.ContextFiles.Kind.DIR;
    }

    /** Creates the missing parents of {@code abs} (0755, owned by uid/gid). */
    void parents(String abs, int uid, int gid) throws IOException {
        String rel = rel(abs);
        int slash = rel.lastIndexOf('/');
        if (slash > 0) {
            mkdirs(rel.substring(0, slash), uid, gid);
        }
    }

    /** Creates a directory and its missing parents unless they exist. */
    void mkdirs(String relOrAbs, int uid, int gid) throws IOException {
        String rel = rel(relOrAbs);
        if (rel.isEmpty() || isDir(rel)) {
            return;
        }
        parents(rel, uid, gid);
        dir(rel, new Meta(0755, uid, gid, System.currentTimeMillis()));
    }

    /** Writes a directory entry (once per layer). */
    void dir(String abs, Meta m) throws IOException {
        String rel = rel(abs);
        if (rel.isEmpty() || !dirs.add(rel)) {
            return;
        }
        TarArchiveEntry e = new TarArchiveEntry(rel + "/", TarConstants.LF_DIR);
        put(e, m);
        tar.closeArchiveEntry();
    }

    void file(String abs, Path host, long size, Meta m) throws IOException {
        try (InputStream in = Files.newInputStream(host, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            file(abs, in, size, m, host.toString());
        }
    }

    /** A file of {@code size} bytes that {@code in} gives; fewer or more fail the copy, naming {@code source}. */
    void file(String abs, InputStream in, long size, Meta m, String source) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(rel(abs), TarConstants.LF_NORMAL);
        e.setSize(size);
        put(e, m);
        long copied = in.transferTo(tar);
        if (copied != size) {
            throw new IOException("file " + source + " changed size while it was copied");
        }
        tar.closeArchiveEntry();
    }

    void bytes(String abs, byte[] data, Meta m) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(rel(abs), TarConstants.LF_NORMAL);
        e.setSize(data.length);
        put(e, m);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    void stream(String abs, InputStream in, long size, Meta m) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(rel(abs), TarConstants.LF_NORMAL);
        e.setSize(size);
        put(e, m);
        in.transferTo(tar);
        tar.closeArchiveEntry();
    }

    void symlink(String abs, String target, Meta m) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(rel(abs), TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        put(e, m);
        tar.closeArchiveEntry();
    }

    void hardlink(String abs, String targetAbs, Meta m) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(rel(abs), TarConstants.LF_LINK);
        e.setLinkName(rel(targetAbs));
        put(e, m);
        tar.closeArchiveEntry();
    }

    private void put(TarArchiveEntry e, Meta m) throws IOException {
        e.setMode(m.mode() & 07777);
        e.setUserId(m.uid());
        e.setGroupId(m.gid());
        e.setModTime(FileTime.fromMillis(m.mtimeMillis()));
        tar.putArchiveEntry(e);
    }

    static String rel(String abs) {
        return String.join("/", FileView.parts(abs));
    }

    @Override
    public void close() throws IOException {
        tar.finish();
        tar.flush();
    }
}
