package dev.berth.daemon.containers;

import dev.berth.daemon.images.ImageLookup;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A container's root filesystem: an overlay of its image's layers under its own writable layer,
 * mounted at {@link ContainerPaths#rootfs}; what it changed, and how much space it takes.
 * Callers serialise mounting and unmounting per container (under the container's lock).
 */
final class ContainerRootfs {
    private static final Logger LOG = Logger.getLogger(ContainerRootfs.class.getName());

    private final ContainerPaths paths;
    private final ImageLookup images;
    /** Whether overlay takes the {@code volatile} option (Linux 5.10+); cleared at the first refusal. */
    private volatile boolean volatileOverlay = true;

    ContainerRootfs(ContainerPaths paths, ImageLookup images) {
        this.paths = paths;
        this.images = images;
    }

    /**
     * Mounts the container's overlay unless it is mounted already.
     *
     * @param throwaway the container goes when it exits ({@code --rm}), so it need not survive a crash
     */
    void mount(ContainerRecord r, boolean throwaway) throws IOException {
        String id = r.id();
        Path target = paths.rootfs(id);
        if (isMounted(target)) {
            return;
        }
        List<String> lower = topFirst(layerDirs(r));
        if (lower.isEmpty()) {
            Path empty = paths.dir(id).resolve("empty");
            Files.createDirectories(empty);
            lower.add(empty.toString());
        }
        Files.createDirectories(target);
        String opts = "lowerdir=" + String.join(":", lower) + ",upperdir=" + paths.upper(id) + ",workdir=" + paths.work(id);
        if (opts.length() < 3500) {
            if (throwaway && volatileOverlay) {
                // As Podman does for --rm: such a container does not outlive a crash anyway, and
                // without syncs its unmount skips syncing the whole file system under the data
                // root (milliseconds, more while other work writes). The marker overlay leaves
                // in the work directory would refuse a second mount (docker restart) otherwise.
                ContainerPaths.deleteTree(paths.work(id).resolve("work").resolve("incompat"));
                try {
                    Libc.mount("overlay", target.toString(), "overlay", 0, opts + ",volatile");
                    return;
                } catch (Libc.ErrnoException e) {
                    if (e.errno() != Libc.EINVAL) {
                        throw e;
                    }
                    Libc.mount("overlay", target.toString(), "overlay", 0, opts);
                    LOG.info("overlay has no volatile option here (" + e.getMessage() + "); --rm containers are synced");
                    volatileOverlay = false;
                    return;
                }
            }
            Libc.mount("overlay", target.toString(), "overlay", 0, opts);
            return;
        }
        // mount(2) takes one page of options: with many layers, name them through short links
        // relative to the container's directory and mount from there, as Docker does.
        Path links = paths.dir(id).resolve("l");
        Files.createDirectories(links);
        List<String> rel = new ArrayList<>();
        for (int i = 0; i < lower.size(); i++) {
            Path link = links.resolve(Integer.toString(i, 36));
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(lower.get(i)));
            rel.add("l/" + link.getFileName());
        }
        String relOpts = "lowerdir=" + String.join(":", rel) + ",upperdir=upper,workdir=work";
        Process p = new ProcessBuilder("mount", "-t", "overlay", "overlay", "-o", relOpts, target.toString())
                .directory(paths.dir(id).toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("overlay mount failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting", e);
        }
    }

    boolean isMounted(String id) {
        return isMounted(paths.rootfs(id));
    }

    private static boolean isMounted(Path target) {
        // An overlay has a device of its own: two stats instead of reading every mount of the host,
        // which grows with the number of running containers (this runs several times per container).
        try {
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Object dev = Files.getAttribute(target, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            return !dev.equals(Files.getAttribute(target.getParent(), "unix:dev"));
        } catch (IOException | RuntimeException e) {
            // unreadable: ask the mount table
        }
        try {
            String t = target.toString();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].replace("\\040", " ").equals(t)) {
                    return true;
                }
            }
        } catch (IOException e) {
            // assume not mounted
        }
        return false;
    }

    /** Unmounts the overlay, detaching it when busy; a failure is logged ({@link #isMounted} tells). */
    void unmount(String id) {
        Path target = paths.rootfs(id);
        for (int i = 0; i < 5 && isMounted(target); i++) {
            try {
                Libc.umount2(target.toString(), 0);
            } catch (Libc.ErrnoException e) {
                if (e.errno() == Libc.EBUSY) {
                    try {
                        Libc.umount2(target.toString(), Libc.MNT_DETACH);
                    } catch (Libc.ErrnoException ignored) {
                        // next round
                    }
                } else if (e.errno() != Libc.EINVAL) {
                    LOG.log(Level.WARNING, "cannot unmount " + target, e);
                }
            }
        }
    }

    /** Docker's {@code GraphDriver.Data} of inspect. */
    Map<String, String> graphDriverData(ContainerRecord r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("LowerDir", String.join(":", topFirst(layerDirsQuietly(r))));
        m.put("MergedDir", paths.rootfs(r.id()).toString());
        m.put("UpperDir", paths.upper(r.id()).toString());
        m.put("WorkDir", paths.work(r.id()).toString());
        return m;
    }

    /** The layers recorded at create; older records without them ask the image store. */
    private List<Path> layerDirs(ContainerRecord r) {
        if (r.layers() != null) {
            return r.layers().stream().map(Path::of).toList();
        }
        return images.resolve(r.image()).layerDirs();
    }

    private List<Path> layerDirsQuietly(ContainerRecord r) {
        try {
            return layerDirs(r);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** Layers are stored bottom first; overlay's lowerdir names the top one first. */
    private static List<String> topFirst(List<Path> layers) {
        List<String> lower = new ArrayList<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            lower.add(layers.get(i).toString());
        }
        return lower;
    }

    /** What the container changed in its root filesystem, for {@code docker diff}. */
    List<Changes.Change> changes(ContainerRecord r) throws IOException {
        return Changes.of(paths.upper(r.id()), layerDirsQuietly(r).reversed());
    }

    /** Writes a container's changes as a layer tar (whiteouts included), as commit does. */
    void writeUpperLayer(String id, OutputStream out, dev.berth.oci.IdMap ids) throws IOException {
        UpperLayer.write(paths.upper(id), out, ids);
    }

    /** Size of the container's writable layer in bytes. */
    long sizeRw(ContainerRecord r) {
        return du(paths.upper(r.id()));
    }

    /** Writable layer plus the image's layers. */
    long sizeRootFs(ContainerRecord r) {
        long n = sizeRw(r);
        for (Path p : layerDirsQuietly(r)) {
            n += du(p);
        }
        return n;
    }

    private static long du(Path root) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (var walk = Files.walk(root)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }
}
