package dev.berth.registry;

import dev.berth.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

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

    /**
     * Whether the blob is here, marking it as just used: called before every answer that tells a client a blob
     * exists. The fresh modification time is what keeps a running {@link GarbageCollector} from deleting it
     * (it survives the collector's rename), and a blob the collector has already set aside is put back.
     */
    public boolean claim(Digest digest) throws IOException {
        Path p = path(digest);
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
                return true;
            } catch (NoSuchFileException e) {
                try {
                    Files.move(p.resolveSibling(GarbageCollector.TOMBSTONE + digest.hex()), p,
                            StandardCopyOption.ATOMIC_MOVE);
                } catch (NoSuchFileException noTombstone) {
                    if (!exists(digest)) {
                        return false;
                    }
                    // the collector put it back itself between our two looks; touch it
                } catch (FileAlreadyExistsException pushedAgain) {
                    // someone committed it again meanwhile; touch that one
                }
            }
        }
        return exists(digest);
    }

    public long size(Digest digest) throws IOException {
        return Files.size(path(digest));
    }

    /** Moves a synced file whose content was verified to be {@code digest} into place. */
    public void commit(Path verified, Digest digest) throws IOException {
        // Content addressing makes a concurrent commit of the same digest harmless: both files hold the same bytes.
        // A fresh time tells a running garbage collection this blob is new (the data file may be old).
        Files.setLastModifiedTime(verified, FileTime.from(Instant.now()));
        Files2.moveAtomic(verified, path(digest));
    }

    /** Stores small content (manifests) and returns its digest in the given algorithm. */
    public Digest put(String algorithm, byte[] content) throws IOException {
        Digest digest = Hashing.of(algorithm, content);
        // Claimed, not just checked: a manifest pushed again must not lose its bytes to a running collection.
        if (!claim(digest)) {
            Files2.writeAtomic(path(digest), content);
        }
        return digest;
    }

    public byte[] read(Digest digest) throws IOException {
        return Files.readAllBytes(path(digest));
    }
}
