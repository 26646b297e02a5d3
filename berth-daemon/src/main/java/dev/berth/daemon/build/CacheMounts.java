package dev.berth.daemon.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.LayerArchive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The directories of {@code RUN --mount=type=cache}, one per cache id under the cache-mount root,
 * each with a {@code <dir>.json} beside it (not inside: the RUN sees the directory) saying which id
 * it serves, when it was made and last used, and how often: what {@code GET /system/df} lists as
 * {@code exec.cachemount} records and {@code POST /build/prune} removes.
 */
final class CacheMounts {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@code <dir>.json} holds (times in epoch milliseconds). */
    record Info(String id, long created, long lastUsed, int uses) {}

    /** One cache directory with its bytes. */
    record Mount(Path dir, Info info, long size) {}

    private CacheMounts() {}

    /** Records a use of {@code dir} for cache id {@code id}; written atomically, a lost race only loses a count. */
    static void used(Path dir, String id) throws IOException {
        Path meta = meta(dir);
        Info old = read(meta);
        long now = System.currentTimeMillis();
        Info next = old == null ? new Info(id, now, now, 1) : new Info(old.id(), old.created(), now, old.uses() + 1);
        Path tmp = meta.resolveSibling(meta.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(next));
            Files.move(tmp, meta, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Every cache directory under {@code root}, with its size (regular files' bytes, links not followed). */
    static List<Mount> list(Path root) throws IOException {
        List<Mount> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (var s = Files.list(root)) {
            for (Path d : (Iterable<Path>) s::iterator) {
                if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Info info = read(meta(d));
                if (info == null) {
                    long t = Files.getLastModifiedTime(d, LinkOption.NOFOLLOW_LINKS).toMillis();
                    info = new Info(d.getFileName().toString(), t, t, 0);
                }
                out.add(new Mount(d, info, size(d)));
            }
        }
        return out;
    }

    static void remove(Path dir) throws IOException {
        LayerArchive.removeTree(dir);
        Files.deleteIfExists(meta(dir));
    }

    private static long size(Path dir) throws IOException {
        long[] total = {0};
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    total[0] += a.size();
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    private static Path meta(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".json");
    }

    private static Info read(Path meta) {
        try {
            return JSON.readValue(meta.toFile(), Info.class);
        } catch (IOException e) {
            return null;
        }
    }
}
