package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.DaemonConfig;
import dev.berth.daemon.Units;
import dev.berth.daemon.runtime.ContainerLog;
import dev.berth.oci.LayerArchive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where a container's files live: its directory under the data root (overlay upper, work and
 * mount point, log, network files), its runtime bundle under the exec root, and its cgroup.
 */
final class ContainerPaths {
    private static final Logger LOG = Logger.getLogger(ContainerPaths.class.getName());
    private static final String DISCARDED = ".removed-";

    private final DaemonConfig config;
    private final Path containersDir;
    private final Path bundlesDir;

    ContainerPaths(DaemonConfig config) throws IOException {
        this.config = config;
        this.containersDir = config.dataRoot().resolve("containers");
        this.bundlesDir = config.execRoot().resolve("containers");
        Files.createDirectories(containersDir);
        Files.createDirectories(bundlesDir);
    }

    private String cgroupParent() {
        return config.cgroupParent().startsWith("/") ? config.cgroupParent() : "/" + config.cgroupParent();
    }

    /** The container's cgroup, as named in its OCI spec. */
    String cgroupPath(ContainerRecord r) {
        return cgroupParent() + "/" + r.id();
    }

    Path dir(String id) {
        return containersDir.resolve(id);
    }

    Path bundle(String id) {
        return bundlesDir.resolve(id);
    }

    Path rootfs(String id) {
        return dir(id).resolve("rootfs");
    }

    /** The overlay's writable layer: what the container changed. */
    Path upper(String id) {
        return dir(id).resolve("upper");
    }

    Path work(String id) {
        return dir(id).resolve("work");
    }

    /** Makes a new container's directories: the overlay's upper, work and mount point, and the bundle. */
    void create(String id) throws IOException {
        Files.createDirectories(upper(id));
        if (config.security().userns() != null) {
            // The writable layer's root is the container's "/": its root must own it (every container of a
            // remapping daemon, --userns=host too, as with dockerd: the image's files are owned that way).
            config.security().userns().ownByRoot(upper(id));
        }
        Files.createDirectories(work(id));
        Files.createDirectories(rootfs(id));
        Files.createDirectories(bundle(id));
    }

    /**
     * With {@code --userns-remap}, gives the hosts, hostname and resolv.conf files the network service wrote
     * for the container to the remapped root, who may then edit them as root can without remapping.
     */
    void ownNetworkFiles(String id) throws IOException {
        if (config.security().userns() == null) {
            return;
        }
        for (String f : new String[] {"hosts", "hostname", "resolv.conf"}) {
            Path p = dir(id).resolve(f);
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                config.security().userns().ownByRoot(p);
            }
        }
    }

    /** Undoes {@link #create} for a container whose creation failed. */
    void delete(String id) {
        deleteTree(dir(id));
        deleteTree(bundle(id));
    }

    ContainerLog log(ContainerRecord r) {
        return new ContainerLog(dir(r.id()).resolve("container.log"), logMaxFiles(r));
    }

    long logMaxSize(ContainerRecord r) {
        JsonNode v = r.hostConfig().path("LogConfig").path("Config").path("max-size");
        if (v.isTextual()) {
            try {
                return Units.parseBytes(v.asText());
            } catch (RuntimeException e) {
                // fall back to the daemon's setting
            }
        }
        return config.logMaxSize();
    }

    private int logMaxFiles(ContainerRecord r) {
        JsonNode v = r.hostConfig().path("LogConfig").path("Config").path("max-file");
        if (v.isTextual()) {
            try {
                return Math.max(1, Integer.parseInt(v.asText()));
            } catch (NumberFormatException e) {
                // fall back
            }
        }
        return config.logMaxFiles();
    }

    /** Deletes a removed container's directory and bundle; see {@link #discard(Path)}. */
    void discard(String id) {
        discard(dir(id));
        discard(bundle(id));
    }

    /**
     * Deletes a removed container's directory off the caller's path: renamed aside at once (so the
     * container's paths are gone when removal returns), deleted by a background thread; what a
     * crash leaves behind is deleted at the next start ({@link #deleteDiscarded}).
     */
    private static void discard(Path dir) {
        Path aside = dir.resolveSibling(DISCARDED + dir.getFileName());
        try {
            deleteTree(aside);
            Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            deleteTree(dir);
            return;
        }
        Thread.ofVirtual().start(() -> deleteTree(aside));
    }

    /** Deletes what a crash left set aside by {@link #discard(String)}. */
    void deleteDiscarded() throws IOException {
        deleteDiscarded(containersDir);
        deleteDiscarded(bundlesDir);
    }

    private static void deleteDiscarded(Path parent) throws IOException {
        try (var list = Files.list(parent)) {
            for (Path p : list.toList()) {
                if (p.getFileName().toString().startsWith(DISCARDED)) {
                    deleteTree(p);
                }
            }
        }
    }

    /** Deletes a tree; a failure is logged, not thrown: the callers are already cleaning up. */
    static void deleteTree(Path root) {
        try {
            LayerArchive.removeTree(root);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot delete " + root, e);
        }
    }
}
