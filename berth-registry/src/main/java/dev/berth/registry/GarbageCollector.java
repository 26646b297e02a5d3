package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.Digest;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Deletes blobs that no manifest revision references, while the registry keeps serving.
 *
 * <p>Mark: every manifest revision of every repository (tagged or not, referrers included) and the config,
 * layers and child manifests it names. Sweep, safely against concurrent pushes: a blob is a candidate only if
 * unmarked and not modified within the grace period; candidates are first renamed aside ({@code .gc-<hex>}),
 * then the repositories are read again, and any candidate that a manifest pushed meanwhile references, or
 * whose time the registry refreshed (it does so before every answer that tells a client a blob exists, see
 * {@link BlobStore#claim}; the rename keeps the time), is put back; only the rest are deleted. The registry
 * itself puts back a set-aside blob it is asked for. A push must complete within the grace period of being
 * told its blobs exist.
 */
final class GarbageCollector {
    static final String TOMBSTONE = ".gc-";
    static final Duration DEFAULT_GRACE = Duration.ofHours(1);

    /** What a run found: blobs kept by reference, blobs deleted (or to delete, in a dry run), bytes freed. */
    record Result(int marked, List<Digest> deleted, List<Digest> putBack, long bytes) {}

    private final Path root;
    private final Path blobs;
    private final Path repos;
    private final Duration grace;
    private final ObjectMapper mapper = new ObjectMapper();

    GarbageCollector(Path root, Duration grace) {
        this.root = root;
        this.blobs = root.resolve("blobs");
        this.repos = root.resolve("repositories");
        this.grace = grace;
    }

    /** Links found in one walk of the repositories; {@code recent} ones were written within the grace period. */
    private record Links(Set<Digest> revisions, Map<Digest, List<Path>> layerLinks, Set<Digest> recent) {}

    private Links walk(FileTime cutoff) throws IOException {
        Set<Digest> revisions = new HashSet<>();
        Map<Digest, List<Path>> layers = new HashMap<>();
        Set<Digest> recent = new HashSet<>();
        if (!Files.isDirectory(repos)) {
            return new Links(revisions, layers, recent);
        }
        Files.walkFileTree(repos, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String base = dir.getFileName().toString();
                boolean skip = base.equals("_referrers") || base.equals("tags") || base.equals("_uploads");
                return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String name = file.getFileName().toString();
                Path algDir = file.getParent();
                Path kind = algDir.getParent();
                if (name.startsWith(".") || kind == null) {
                    return FileVisitResult.CONTINUE;
                }
                Digest d;
                try {
                    d = new Digest(algDir.getFileName().toString(), name);
                } catch (IllegalArgumentException e) {
                    return FileVisitResult.CONTINUE;
                }
                String k = kind.getFileName().toString();
                if (k.equals("revisions")) {
                    revisions.add(d);
                } else if (k.equals("_layers")) {
                    layers.computeIfAbsent(d, x -> new ArrayList<>()).add(file);
                } else {
                    return FileVisitResult.CONTINUE;
                }
                if (attrs.lastModifiedTime().compareTo(cutoff) >= 0) {
                    recent.add(d);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                // Deleted by a concurrent request between listing and reading: nothing to learn from it.
                return FileVisitResult.CONTINUE;
            }
        });
        return new Links(revisions, layers, recent);
    }

    private Path blob(Digest d) {
        return blobs.resolve(d.algorithm()).resolve(d.hex());
    }

    private Path tombstone(Digest d) {
        return blobs.resolve(d.algorithm()).resolve(TOMBSTONE + d.hex());
    }

    /** Every digest reachable from the given manifests. */
    private Set<Digest> mark(Set<Digest> manifests) throws IOException {
        Set<Digest> marked = new HashSet<>(manifests);
        for (Digest m : manifests) {
            JsonNode doc;
            try {
                doc = mapper.readTree(Files.readAllBytes(blob(m)));
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                continue; // not JSON: references nothing
            }
            List<JsonNode> refs = new ArrayList<>();
            refs.add(doc.path("config"));
            doc.path("layers").forEach(refs::add);
            doc.path("manifests").forEach(refs::add);
            for (JsonNode ref : refs) {
                String text = ref.path("digest").asText("");
                if (Digest.isDigest(text)) {
                    marked.add(Digest.parse(text));
                }
            }
        }
        return marked;
    }

    private List<Digest> unmarkedOldBlobs(Set<Digest> marked, Set<Digest> recent, FileTime cutoff)
            throws IOException {
        List<Digest> out = new ArrayList<>();
        if (!Files.isDirectory(blobs)) {
            return out;
        }
        try (Stream<Path> algs = Files.list(blobs)) {
            for (Path alg : algs.toList()) {
                try (Stream<Path> files = Files.list(alg)) {
                    for (Path f : files.toList()) {
                        String name = f.getFileName().toString();
                        if (name.startsWith(".")) {
                            continue;
                        }
                        Digest d;
                        try {
                            d = new Digest(alg.getFileName().toString(), name);
                        } catch (IllegalArgumentException e) {
                            continue;
                        }
                        try {
                            if (!marked.contains(d) && !recent.contains(d)
                                    && Files.getLastModifiedTime(f).compareTo(cutoff) < 0) {
                                out.add(d);
                            }
                        } catch (NoSuchFileException raced) {
                            // gone already
                        }
                    }
                }
            }
        }
        out.sort(java.util.Comparator.comparing(Digest::toString));
        return out;
    }

    Result run(boolean dryRun) throws IOException {
        try (FileChannel lockFile = FileChannel.open(root.resolve(".gc.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new IllegalStateException("another garbage collection is running on " + root);
            }
            recover(root);
            FileTime cutoff = FileTime.from(Instant.now().minus(grace));
            Links before = walk(cutoff);
            Set<Digest> marked = mark(before.revisions());
            List<Digest> candidates = unmarkedOldBlobs(marked, before.recent(), cutoff);
            if (dryRun) {
                long bytes = 0;
                for (Digest d : candidates) {
                    bytes += sizeOrZero(blob(d));
                }
                return new Result(marked.size(), candidates, List.of(), bytes);
            }
            List<Digest> aside = new ArrayList<>();
            for (Digest d : candidates) {
                try {
                    Files.move(blob(d), tombstone(d), StandardCopyOption.ATOMIC_MOVE);
                    aside.add(d);
                } catch (NoSuchFileException raced) {
                    // deleted by someone else meanwhile
                }
            }
            // Everything that could have claimed a set-aside blob did so by a link or manifest we now see.
            Links after = walk(cutoff);
            Set<Digest> keep = mark(after.revisions());
            keep.addAll(after.recent());
            List<Digest> deleted = new ArrayList<>();
            List<Digest> putBack = new ArrayList<>();
            long bytes = 0;
            for (Digest d : aside) {
                if (keep.contains(d) || modifiedSince(tombstone(d), cutoff)) {
                    restore(d);
                    putBack.add(d);
                    continue;
                }
                long size = sizeOrZero(tombstone(d));
                if (Files.deleteIfExists(tombstone(d))) {
                    deleted.add(d);
                    bytes += size;
                    for (Path link : after.layerLinks().getOrDefault(d, List.of())) {
                        Files.deleteIfExists(link);
                    }
                }
            }
            for (Path dir : Set.of(blobs.resolve("sha256"), blobs.resolve("sha512"))) {
                if (Files.isDirectory(dir)) {
                    Files2.syncDir(dir);
                }
            }
            return new Result(marked.size(), deleted, putBack, bytes);
        }
    }

    private static boolean modifiedSince(Path p, FileTime cutoff) {
        try {
            return Files.getLastModifiedTime(p).compareTo(cutoff) >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private void restore(Digest d) throws IOException {
        try {
            Files.move(tombstone(d), blob(d), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException alreadyBack) {
            // the registry put it back when a client asked for it
        }
    }

    /** Brings back blobs a collector that died mid-sweep had set aside. */
    static void recover(Path root) throws IOException {
        Path blobs = root.resolve("blobs");
        if (!Files.isDirectory(blobs)) {
            return;
        }
        try (Stream<Path> algs = Files.list(blobs)) {
            for (Path alg : algs.toList()) {
                try (Stream<Path> files = Files.list(alg)) {
                    for (Path f : files.filter(p -> p.getFileName().toString().startsWith(TOMBSTONE)).toList()) {
                        Path back = f.resolveSibling(f.getFileName().toString().substring(TOMBSTONE.length()));
                        try {
                            Files.move(f, back, StandardCopyOption.ATOMIC_MOVE);
                        } catch (java.nio.file.FileAlreadyExistsException pushedAgain) {
                            Files.deleteIfExists(f);
                        } catch (NoSuchFileException raced) {
                            // restored or deleted concurrently
                        }
                    }
                }
            }
        }
    }
}
