package dev.berth.daemon.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A build's directory for the temporary files of its steps (RUN mounts, --chown lookups), made
 * when a step first needs it and removed with everything in it at the end: a fully cached build
 * never touches the disk for it.
 */
final class ScratchDir implements AutoCloseable {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ScratchDir.class.getName());
    private final Path parent;
    private Path dir;

    ScratchDir(Path parent) {
        this.parent = parent;
    }

    /** The directory, made on the first call. */
    synchronized Path path() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory(parent, "steps-");
        }
        return dir;
    }

    /** Removes the directory; one that cannot be removed now goes when berthd next starts. */
    @Override
    public synchronized void close() {
        if (dir != null) {
            try {
                dev.berth.oci.LayerArchive.removeTree(dir);
            } catch (IOException e) {
                LOG.log(java.util.logging.Level.WARNING, "cannot remove " + dir, e);
            }
            dir = null;
        }
    }
}
