package dev.berth.registry;

import dev.berth.oci.Digest;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Upload sessions under {@code <root>/uploads/<uuid>/} ({@code data}, and {@code repo} naming the repository).
 * State lives on disk so a session survives a restart; the running sha256 is kept in memory only as a
 * shortcut and is recomputed from the data file whenever it is missing or stale.
 */
public final class Uploads {
    private record Running(MessageDigest md, long size) {}

    private final Path uploads;
    private final BlobStore blobs;
    private final Map<UUID, Running> running = new ConcurrentHashMap<>();
    /** Sessions with a request writing to them right now; expiry leaves them alone. */
    private final Set<UUID> writing = ConcurrentHashMap.newKeySet();

    /** Largest blob a session may grow to; 0 for no cap. */
    private final long maxBlobBytes;

    /** Uploads written at the same time; one more is told to come back later. 0 for no cap. */
    private final long maxConcurrent;

    public Uploads(Path root, BlobStore blobs, long maxBlobBytes, long maxConcurrent) throws IOException {
        this.uploads = root.resolve("uploads");
        this.blobs = blobs;
        this.maxBlobBytes = maxBlobBytes;
        this.maxConcurrent = maxConcurrent;
        Files.createDirectories(uploads);
    }

    public UUID create(String name) throws IOException {
        UUID id = UUID.randomUUID();
        Path dir = uploads.resolve(id.toString());
        Files.createDirectories(dir);
        Files.createFile(dir.resolve("data"));
        Files2.writeAtomic(dir.resolve("repo"), name.getBytes(StandardCharsets.UTF_8));
        running.put(id, new Running(Hashing.newDigest("sha256"), 0));
        return id;
    }

    /** Parses and checks a session id from a URL: it must exist and belong to this repository. */
    public UUID find(String name, String idText) throws IOException {
        UUID id;
        try {
            id = UUID.fromString(idText);
        } catch (IllegalArgumentException e) {
            throw unknown(idText);
        }
        if (!id.toString().equals(idText)) {
            throw unknown(idText);
        }
        try {
            if (!Files.readString(uploads.resolve(idText).resolve("repo")).equals(name)) {
                throw unknown(idText);
            }
        } catch (NoSuchFileException e) {
            throw unknown(idText);
        }
        return id;
    }

    private static RegistryException unknown(String id) {
        return new RegistryException(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + id + " is unknown");
    }

    private Path data(UUID id) {
        return uploads.resolve(id.toString()).resolve("data");
    }

    public long size(UUID id) throws IOException {
        return Files.size(data(id));
    }

    /** Opens the session for appending; the caller streams chunks into the returned writer and closes it. */
    public Writer append(UUID id) throws IOException {
        return new Writer(id);
    }

    /** Appends request body bytes to a session's data file, hashing them on the way. */
    public final class Writer implements AutoCloseable {
        private final UUID id;
        private final FileChannel ch;
        private final BackgroundDigest digest;
        private long size;
        private boolean partial;

        private boolean closed;
        private boolean released;

        private Writer(UUID id) throws IOException {
            this.id = id;
            if (maxConcurrent > 0 && writing.size() >= maxConcurrent) {
                throw new RegistryException(ErrorCode.TOOMANYREQUESTS, 429, maxConcurrent
                        + " uploads are being written; retry later", java.util.Map.of("Retry-After", "1"));
            }
            if (!writing.add(id)) {
                throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID,
                        "upload " + id + " is busy with another request");
            }
            try {
                this.ch = FileChannel.open(data(id), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                this.size = ch.size();
            } catch (NoSuchFileException e) {
                writing.remove(id);
                throw unknown(id.toString());
            } catch (IOException | RuntimeException e) {
                writing.remove(id);
                throw e;
            }
            Running r = running.remove(id);
            this.digest = r != null && r.size() == size ? new BackgroundDigest(r.md()) : null;
        }

        public void write(ByteBuf buf) throws IOException {
            if (maxBlobBytes > 0 && size + buf.readableBytes() > maxBlobBytes) {
                throw new RegistryException(ErrorCode.SIZE_INVALID, 413,
                        "blobs here are limited to " + maxBlobBytes + " bytes");
            }
            // Hashed on a thread of its own, in batches of MiBs: inline, the writes waited for SHA-256 while the
            // second core idled (an earlier hand-off per 64 KiB buffer had cost more than it gained).
            if (digest != null) {
                digest.add(buf);
            }
            try {
                for (ByteBuffer nio : buf.nioBuffers()) {
                    while (nio.hasRemaining()) {
                        size += ch.write(nio);
                    }
                }
            } catch (IOException | RuntimeException e) {
                partial = true; // the digest has bytes the file may not: finishing hashes the file instead
                throw e;
            }
        }

        public long size() {
            return size;
        }

        /** Syncs and closes the data file; the session stays reserved until {@link #release}. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            MessageDigest md;
            try (ch) {
                // A chunk is acknowledged once this returns; it must survive a crash from then on.
                ch.force(false);
            } finally {
                md = digest == null ? null : digest.finish();
            }
            if (md != null && !partial) {
                running.put(id, new Running(md, size));
            }
        }

        /** Lets the next request write to (or finish) this session; only the first call counts. */
        public void release() {
            if (!released) {
                released = true;
                writing.remove(id);
            }
        }
    }

    /**
     * Verifies the session's content against {@code expected} and moves it into the blob store.
     * A mismatch ends the session: its bytes can never become that blob.
     */
    public void finish(UUID id, Digest expected) throws IOException {
        Path data = data(id);
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Running r = running.remove(id);
        Digest actual;
        if (r != null && r.size() == Files.size(data) && expected.algorithm().equals("sha256")) {
            actual = Hashing.finish("sha256", r.md());
        } else {
            actual = Hashing.ofFile(expected.algorithm(), data);
        }
        if (!actual.equals(expected)) {
            cancel(id);
            throw new RegistryException(ErrorCode.DIGEST_INVALID,
                    "upload has digest " + actual + ", not " + expected);
        }
        blobs.commit(data, expected);
        cancel(id);
    }

    /** Removes sessions that nobody has written to for longer than {@code maxIdle}. */
    public int expire(Duration maxIdle) throws IOException {
        Instant cutoff = Instant.now().minus(maxIdle);
        int removed = 0;
        try (Stream<Path> dirs = Files.list(uploads)) {
            for (Path dir : dirs.toList()) {
                UUID id;
                try {
                    id = UUID.fromString(dir.getFileName().toString());
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (writing.contains(id)) {
                    continue;
                }
                Path data = dir.resolve("data");
                Path stamp = Files.exists(data) ? data : dir;
                if (Files.getLastModifiedTime(stamp).toInstant().isBefore(cutoff)) {
                    cancel(id);
                    removed++;
                }
            }
        }
        return removed;
    }

    public void cancel(UUID id) throws IOException {
        running.remove(id);
        Files2.deleteTree(uploads.resolve(id.toString()));
    }
}
