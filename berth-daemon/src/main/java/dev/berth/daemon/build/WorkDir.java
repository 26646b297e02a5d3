package dev.berth.daemon.build;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

/**
 * A private (0700) directory for one build's temporary files: named at once, made only when a first
 * file must go there, and removed with everything in it at the end. A fully cached build never
 * touches the disk for its context or its steps.
 */
final class WorkDir implements AutoCloseable {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(WorkDir.class.getName());
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final Path path;
    private boolean made;

    private WorkDir(Path path) {
        this.path = path;
    }

    /** A new directory under {@code parent} named {@code prefix} and random characters. */
    static WorkDir under(Path parent, String prefix) {
        byte[] rnd = new byte[8];
        RANDOM.nextBytes(rnd);
        return new WorkDir(parent.resolve(prefix + HexFormat.of().formatHex(rnd)));
    }

    /** The directory at {@code path}. */
    static WorkDir at(Path path) {
        return new WorkDir(path);
    }

    /** Where the directory is (or will be). */
    Path path() {
        return path;
    }

    /** The directory, made (with its parents) on the first call. */
    synchronized Path create() throws IOException {
        if (!made) {
            Files.createDirectories(path.getParent());
            try {
                Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
            }
            made = true;
        }
        return path;
    }

    /** Removes the directory; one that cannot be removed now goes when berthd next starts. */
    @Override
    public synchronized void close() {
        if (made) {
            try {
                dev.berth.oci.LayerArchive.removeTree(path);
            } catch (IOException e) {
                LOG.log(java.util.logging.Level.WARNING, "cannot remove " + path, e);
            }
            made = false;
        }
    }
}
