package dev.berth.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/** Durable file operations: nothing becomes visible under its final name before its bytes are on disk. */
final class Files2 {
    private Files2() {}

    /** Writes bytes to a hidden temp file next to target, syncs it, and renames it over target. */
    static void writeAtomic(Path target, byte[] content) throws IOException {
        ensureDir(target.getParent());
        Path tmp = target.resolveSibling(".tmp-" + UUID.randomUUID());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        moveAtomic(tmp, target);
    }

    /** Renames an already synced file into place and syncs the directory so the rename survives a crash. */
    static void moveAtomic(Path from, Path target) throws IOException {
        ensureDir(target.getParent());
        try {
            Files.move(from, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(from);
            throw e;
        }
        syncDir(target.getParent());
    }

    /** Creates a directory and its missing ancestors, syncing each parent so the new entries survive a crash. */
    static void ensureDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        ensureDir(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        syncDir(dir.getParent());
    }

    /** Deletes the temp files a crash may have left behind; only safe before the registry serves requests. */
    static void deleteTempFiles(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void syncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
