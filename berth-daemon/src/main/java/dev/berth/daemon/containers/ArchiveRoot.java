package dev.berth.daemon.containers;

import dev.berth.daemon.runtime.RuntimeSpec;
import dev.berth.sys.Fd;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The root the archive API works on, with the container's volumes and bind mounts where the
 * container sees them. A running container's root is taken from its init process
 * ({@code /proc/PID/root}), so every mount of its namespace is there as the container sees it;
 * the descriptor is checked to be the container's own root filesystem (the same overlay root),
 * so a recycled pid can never hand out another process's root. A stopped container gets its
 * volume and bind sources bound onto its mounted root for the call, as Docker does, and unbound
 * afterwards.
 */
final class ArchiveRoot implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ArchiveRoot.class.getName());

    private final Fd rootFd;
    private final Path path;
    private final List<Path> bound;

    private ArchiveRoot(Fd rootFd, Path path, List<Path> bound) {
        this.rootFd = rootFd;
        this.path = path;
        this.bound = bound;
    }

    /** The path to give {@link ContainerArchive}: it names the verified root whatever happens to the pid. */
    Path path() {
        return path;
    }

    /** The running container's root as its init process sees it, or null when that is not (or no longer) its root filesystem. */
    static ArchiveRoot ofProcess(long pid, Path rootfs) {
        if (pid <= 0) {
            return null;
        }
        Fd proc = null;
        try (Fd own = Fd.openDirectory(rootfs)) {
            proc = Fd.openDirectory(Path.of("/proc/" + pid + "/root"));
            Fd.Stat a = own.stat();
            Fd.Stat b = proc.stat();
            if (a.ino() != b.ino() || a.devMajor() != b.devMajor() || a.devMinor() != b.devMinor()) {
                proc.close();
                return null;
            }
            return new ArchiveRoot(proc, proc.procPath(), new ArrayList<>());
        } catch (IOException e) {
            if (proc != null) {
                proc.close();
            }
            return null; // gone meanwhile: the caller falls back to the stored root
        }
    }

    /**
     * Binds each mount's source onto its destination in {@code rootfs} (a stopped container's
     * mounted root), parents first; a missing destination is made, as Docker does. Tmpfs mounts
     * have nothing to show when the container is not running and are left out.
     */
    static ArchiveRoot withMounts(Path rootfs, List<RuntimeSpec.Mount> mounts) throws IOException {
        List<Path> bound = new ArrayList<>();
        ArchiveRoot r = new ArchiveRoot(null, rootfs, bound);
        try (Fd root = Fd.openDirectory(rootfs)) {
            for (RuntimeSpec.Mount m : mounts) {
                if (!m.type().equals("bind")) {
                    continue;
                }
                Path src = Path.of(m.source());
                boolean dir = java.nio.file.Files.isDirectory(src);
                if (!java.nio.file.Files.exists(src)) {
                    continue;
                }
                try (Fd target = destination(root, m.destination(), dir)) {
                    // mounting onto the descriptor's /proc path: the target is what was resolved inside the root
                    Libc.mount(src.toString(), target.procPath().toString(), null, Libc.MS_BIND | Libc.MS_REC, null);
                    Path at = Path.of(target.hostPath());
                    bound.add(at);
                    if (m.options().contains("ro")) {
                        Libc.mount("", at.toString(), null, Libc.MS_BIND | Libc.MS_REC | Libc.MS_REMOUNT | Libc.MS_RDONLY, null);
                    }
                }
            }
            return r;
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** Opens (making it when missing: directories 0755, or an empty file for a file source) the mount target inside the root. */
    private static Fd destination(Fd root, String dest, boolean dir) throws IOException {
        try {
            return root.openInRoot(dest, Fd.O_PATH, 0);
        } catch (Libc.ErrnoException e) {
            if (e.errno() != Libc.ENOENT) {
                throw e;
            }
        }
        List<String> parts = new ArrayList<>(List.of(dest.split("/")));
        parts.removeIf(s -> s.isEmpty() || s.equals("."));
        String sofar = "";
        for (int i = 0; i < parts.size(); i++) {
            String next = sofar + "/" + parts.get(i);
            try (Fd probe = root.openInRoot(next, Fd.O_PATH, 0)) {
                sofar = next;
                continue;
            } catch (Libc.ErrnoException e) {
                if (e.errno() != Libc.ENOENT) {
                    throw e;
                }
            }
            try (Fd parent = root.openInRoot(sofar.isEmpty() ? "/" : sofar, Fd.O_PATH | Fd.O_DIRECTORY, 0)) {
                boolean last = i == parts.size() - 1;
                if (last && !dir) {
                    try (Fd created = parent.openAt(parts.get(i), Fd.O_WRONLY | Fd.O_CREAT | Fd.O_NOFOLLOW, 0644)) {
                        // an empty file to bind a file onto
                    }
                } else {
                    parent.mkdirAt(parts.get(i), 0755);
                }
            }
            sofar = next;
        }
        return root.openInRoot(dest, Fd.O_PATH, 0);
    }

    @Override
    public void close() {
        for (int i = bound.size() - 1; i >= 0; i--) {
            try {
                Libc.umount2(bound.get(i).toString(), Libc.MNT_DETACH);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot unmount " + bound.get(i) + " after an archive call", e);
            }
        }
        bound.clear();
        if (rootFd != null) {
            rootFd.close();
        }
    }
}
