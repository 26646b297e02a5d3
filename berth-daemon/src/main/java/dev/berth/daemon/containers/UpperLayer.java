package dev.berth.daemon.containers;

import dev.berth.oci.IdMap;
import dev.berth.oci.LayerArchive;
import dev.berth.sys.Fd;
import dev.berth.sys.Libc;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * A container's overlay upper directory written as an OCI layer tar: overlay whiteouts
 * (character devices 0/0) become {@code .wh.<name>} entries and opaque directories
 * ({@code trusted.overlay.opaque=y}) get a {@code .wh..wh..opq} entry; the mount points the
 * runtime made ({@link Changes#isRuntimePath}) are left out. Walked with descriptors, never
 * following a symlink, so a running container cannot point the walk at host files.
 */
final class UpperLayer {
    private UpperLayer() {}

    static void write(Path upper, OutputStream out) throws IOException {
        write(upper, out, IdMap.IDENTITY);
    }

    /** With owners as a container sees them through {@code ids}: container root's files are uid 0 in the layer. */
    static void write(Path upper, OutputStream out, IdMap ids) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        try (Fd root = Fd.openDirectory(upper)) {
            walk(tar, upper, "", root, ids);
        }
        tar.finish();
        tar.flush();
    }

    private static void walk(TarArchiveOutputStream tar, Path upper, String prefix, Fd dir, IdMap ids) throws IOException {
        for (String child : dir.list()) {
            String rel = prefix.isEmpty() ? child : prefix + "/" + child;
            if (Changes.isRuntimePath("/" + rel)) {
                continue;
            }
            Fd f;
            try {
                f = dir.openAt(child, Fd.O_PATH | Fd.O_NOFOLLOW, 0);
            } catch (Libc.ErrnoException gone) {
                continue;
            }
            try (f) {
                Fd.Stat st = f.stat();
                if (st.type() == 0020000 && st.rdevMajor() == 0 && st.rdevMinor() == 0) {
                    String name = (prefix.isEmpty() ? "" : prefix + "/") + LayerArchive.WHITEOUT_PREFIX + child;
                    marker(tar, name, st, ids);
                    continue;
                }
                if (st.type() == 0140000) {
                    continue;
                }
                ContainerArchive.entry(tar, rel, f, st, ids);
                if (st.isDir()) {
                    byte[] opaque = Libc.lgetxattr(upper.resolve(rel).toString(), LayerArchive.OVERLAY_OPAQUE_XATTR);
                    if (opaque != null && opaque.length == 1 && opaque[0] == 'y') {
                        marker(tar, rel + "/" + LayerArchive.OPAQUE_MARKER, st, ids);
                    }
                    walk(tar, upper, rel, f, ids);
                }
            }
        }
    }

    /** An empty regular file that marks a deletion, as Docker writes whiteouts. */
    private static void marker(TarArchiveOutputStream tar, String name, Fd.Stat st, IdMap ids) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        e.setMode(0600);
        e.setUserId(ids.containerUid(Integer.toUnsignedLong(st.uid())));
        e.setGroupId(ids.containerGid(Integer.toUnsignedLong(st.gid())));
        e.setModTime(FileTime.from(Instant.ofEpochSecond(0, st.mtimeNanos())));
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }
}
