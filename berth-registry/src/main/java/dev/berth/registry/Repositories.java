package dev.berth.registry;

import dev.berth.oci.Digest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Per-repository links under {@code <root>/repositories/<name>/}: {@code _layers/<alg>/<hex>} (blobs the
 * repository may serve), {@code _manifests/revisions/<alg>/<hex>} (holding the media type) and
 * {@code _manifests/tags/<tag>} (holding the digest). Name components never start with '_', so these
 * directories cannot collide with a nested repository.
 */
public final class Repositories {
    private final Path repos;

    public Repositories(Path root) throws IOException {
        this.repos = root.resolve("repositories");
        Files.createDirectories(repos);
    }

    private Path dir(String name) {
        return repos.resolve(Names.repository(name));
    }

    public boolean exists(String name) {
        return Files.isDirectory(dir(name).resolve("_layers")) || Files.isDirectory(dir(name).resolve("_manifests"));
    }

    private Path layer(String name, Digest d) {
        return dir(name).resolve("_layers").resolve(d.algorithm()).resolve(d.hex());
    }

    private Path revision(String name, Digest d) {
        return dir(name).resolve("_manifests").resolve("revisions").resolve(d.algorithm()).resolve(d.hex());
    }

    private Path tagsDir(String name) {
        return dir(name).resolve("_manifests").resolve("tags");
    }

    public void linkBlob(String name, Digest d) throws IOException {
        if (!Files.exists(layer(name, d))) {
            Files2.writeAtomic(layer(name, d), new byte[0]);
        }
    }

    public boolean hasBlob(String name, Digest d) {
        return Files.exists(layer(name, d));
    }

    public boolean unlinkBlob(String name, Digest d) throws IOException {
        return Files.deleteIfExists(layer(name, d));
    }

    public void linkManifest(String name, Digest d, String mediaType) throws IOException {
        Files2.writeAtomic(revision(name, d), mediaType.getBytes(StandardCharsets.UTF_8));
    }

    /** The media type of a manifest this repository holds, if it holds it. */
    public Optional<String> manifestType(String name, Digest d) throws IOException {
        try {
            return Optional.of(Files.readString(revision(name, d)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    public void tag(String name, String tag, Digest d) throws IOException {
        Files2.writeAtomic(tagsDir(name).resolve(tag), d.toString().getBytes(StandardCharsets.UTF_8));
    }

    public Optional<Digest> resolveTag(String name, String tag) throws IOException {
        try {
            return Optional.of(Digest.parse(Files.readString(tagsDir(name).resolve(tag)).strip()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    public boolean deleteTag(String name, String tag) throws IOException {
        return Files.deleteIfExists(tagsDir(name).resolve(tag));
    }

    /** Removes a manifest revision and every tag that points at it. */
    public boolean deleteManifest(String name, Digest d) throws IOException {
        boolean existed = Files.deleteIfExists(revision(name, d));
        for (String tag : tags(name)) {
            if (resolveTag(name, tag).filter(d::equals).isPresent()) {
                deleteTag(name, tag);
            }
        }
        return existed;
    }

    /** Tags in lexical order. */
    public List<String> tags(String name) throws IOException {
        Path dir = tagsDir(name);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(Names::isTag).sorted().toList();
        }
    }

    /** Every repository that holds a manifest, in lexical order. */
    public List<String> catalog() throws IOException {
        List<String> names = new ArrayList<>();
        Files.walkFileTree(repos, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String base = dir.getFileName().toString();
                if (base.equals("_manifests")) {
                    names.add(repos.relativize(dir.getParent()).toString());
                }
                // Links live below '_' directories; only repository names are worth descending into.
                return base.startsWith("_") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }
        });
        names.sort(null);
        return names;
    }
}
