package dev.berth.registry;

import dev.berth.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Content-addressed blobs under {@code <root>/blobs/<algorithm>/<hex>}; a blob is visible only once verified. */
public final class BlobStore {
    private final Path blobs;

    public BlobStore(Path root) throws IOException {
        this.blobs = root.resolve("blobs");
        Files.createDirectories(blobs);
    }

    public Path path(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    public boolean exists(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    public long size(Digest digest) throws IOException {
        return Files.size(path(digest));
    }

    /** Moves a synced file whose content was verified to be {@code digest} into place. */
    public void commit(Path verified, Digest digest) throws IOException {
        // Content addressing makes a concurrent commit of the same digest harmless: both files hold the same bytes.
        Files2.moveAtomic(verified, path(digest));
    }

    /** Stores small content (manifests) and returns its digest in the given algorithm. */
    public Digest put(String algorithm, byte[] content) throws IOException {
        Digest digest = Hashing.of(algorithm, content);
        if (!exists(digest)) {
            Files2.writeAtomic(path(digest), content);
        }
        return digest;
    }

    public byte[] read(Digest digest) throws IOException {
        return Files.readAllBytes(path(digest));
    }
}
