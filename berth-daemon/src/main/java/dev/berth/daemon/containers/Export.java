package dev.berth.daemon.containers;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/** Writes a container's root filesystem (the merged overlay view) as a tar stream, for {@code docker export}. */
final class Export {
    private Export() {}

    /** {@code ids}: how the container sees its files' owners (identity without {@code --userns-remap}). */
    static void write(Path rootfs, OutputStream out, dev.berth.oci.IdMap ids) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        try (var walk = Files.walk(rootfs)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(rootfs)) {
                    continue;
                }
                entry(tar, rootfs, p, ids);
            }
        }
        tar.finish();
        tar.flush();
    }

    private static void entry(TarArchiveOutputStream tar, Path root, Path p, dev.berth.oci.IdMap ids) throws IOException {
        String name = root.relativize(p).toString();
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int fmt = mode & 0170000;
        TarArchiveEntry e;
        if (fmt == 0120000) {
            e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
        } else if (fmt == 0040000) {
            e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
        } else if (fmt == 0100000) {
            e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
            e.setSize(Files.size(p));
        } else if (fmt == 0020000 || fmt == 0060000) {
            e = new TarArchiveEntry(name, fmt == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK);
            long rdev = (Long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            e.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
            e.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
        } else if (fmt == 0010000) {
            e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
        } else {
            return; // sockets are not archived
        }
        e.setMode(mode & 07777);
        e.setUserId(ids.containerUid(Integer.toUnsignedLong((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))));
        e.setGroupId(ids.containerGid(Integer.toUnsignedLong((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS))));
        FileTime mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        e.setModTime(mtime);
        tar.putArchiveEntry(e);
        if (fmt == 0100000) {
            Files.copy(p, tar);
        }
        tar.closeArchiveEntry();
    }
}
