package dev.berth.daemon.build;

import dev.berth.dockerfile.MountSpec;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The host side of one RUN step's {@code --mount}s: cache directories kept across builds, and
 * bind mounts of the context or of a stage's or image's files. A bind source is an overlay of its
 * layers with a throw-away upper directory, so a {@code rw} mount never changes stored layers or
 * the context; the source path inside it is checked component by component, never through a symlink.
 */
final class RunMounts implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RunMounts.class.getName());
    private final Path scratch;
    private final Path cacheRoot;
    private final List<Path> mounted = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final dev.berth.oci.IdMap ids;

    /** {@code ids}: the user namespace RUN steps run in; a new cache directory belongs to its root. */
    RunMounts(Path scratch, Path cacheRoot, dev.berth.oci.IdMap ids) {
        this.scratch = scratch;
        this.cacheRoot = cacheRoot;
        this.ids = ids;
    }

    /** A {@code type=cache} mount's directory (by its id, else its target), made on first use. */
    String cache(MountSpec m) throws IOException {
        String id = m.id() == null || m.id().isEmpty() ? m.target() : m.id();
        Path dir = cacheRoot.resolve(BuildCache.key(id).substring(0, 32));
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            if (!ids.isIdentity()) {
                Libc.lchown(dir.toString(), ids.rootUid(), ids.rootGid()); // as BuildKit: the cache is root's, uid 0 inside
            }
        }
        CacheMounts.used(dir, id);
        return dir + ":" + m.target();
    }

    /**
     * A {@code type=bind} mount: {@code layersTopFirst} (the context dir, or a stage's layer dirs)
     * merged read-only under a fresh upper dir, then {@code source} inside it.
     */
    String bind(MountSpec m, List<Path> layersTopFirst) throws IOException {
        Path base = Files.createTempDirectory(scratch, "bind-");
        dirs.add(base);
        Path merged = Files.createDirectories(base.resolve("merged"));
        Path upper = Files.createDirectories(base.resolve("upper"));
        Path work = Files.createDirectories(base.resolve("work"));
        List<Path> lowers = new ArrayList<>(layersTopFirst);
        if (lowers.isEmpty()) {
            lowers.add(Files.createDirectories(base.resolve("empty")));
        }
        StringBuilder lower = new StringBuilder();
        for (Path p : lowers) {
            if (!lower.isEmpty()) {
                lower.append(':');
            }
            lower.append(p.toString().replace(":", "\\:"));
        }
        try {
            Libc.mount("overlay", merged.toString(), "overlay", 0,
                    "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
        } catch (Libc.ErrnoException e) {
            throw new IOException("cannot mount the files of RUN --mount=type=bind: " + e.getMessage(), e);
        }
        mounted.add(merged);
        Path src = merged;
        for (String part : FileView.parts(m.source() == null ? "" : m.source())) {
            src = src.resolve(part);
            PosixFileAttributes a = FileView.lstat(src);
            if (a == null) {
                throw new IOException("RUN --mount source " + m.source() + " does not exist");
            }
            if (a.isSymbolicLink()) {
                throw new IOException("RUN --mount source " + m.source() + " goes through a symlink, which the builder does not follow");
            }
        }
        return src + ":" + m.target() + (m.readOnly() ? ":ro" : ":rw");
    }

    /** Detaches bind overlays a crashed berthd left under {@code dir}, deepest first, before the dir is deleted. */
    static void unmountLeftovers(Path dir) {
        List<String> points = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    String p = f[4].replace("\\040", " ");
                    if (p.startsWith(dir + "/")) {
                        points.add(p);
                    }
                }
            }
        } catch (IOException e) {
            return;
        }
        points.sort(java.util.Comparator.comparingInt(String::length).reversed());
        for (String p : points) {
            try {
                Libc.umount2(p, Libc.MNT_DETACH);
            } catch (Libc.ErrnoException e) {
                LOG.log(Level.WARNING, "cannot unmount " + p, e);
            }
        }
    }

    @Override
    public void close() {
        for (Path p : mounted.reversed()) {
            try {
                Libc.umount2(p.toString(), Libc.MNT_DETACH);
            } catch (Libc.ErrnoException e) {
                LOG.log(Level.WARNING, "cannot unmount " + p, e);
            }
        }
        for (Path d : dirs) {
            try {
                dev.berth.oci.LayerArchive.removeTree(d);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove " + d, e);
            }
        }
    }
}
