package dev.berth.daemon.storage;

import dev.berth.oci.Digest;
import dev.berth.oci.LayerArchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.UUID;

/**
 * Blobs by digest under {@code <data-root>/content/blobs/sha256/<hex>}. A blob is written to a
 * temp file, checked against its digest, synced and renamed into place, so a blob that exists is
 * always complete and correct.
 */
public final class ContentStore {
    private final Path blobs;
    private final Path tmp;

    public ContentStore(Path dataRoot) throws IOException {
        Path root = dataRoot.resolve("content");
        blobs = root.resolve("blobs");
        tmp = root.resolve("tmp");
        Files.createDirectories(blobs.resolve("sha256"));
        // Whatever is in tmp was being written when the daemon died.
        LayerArchive.removeTree(tmp);
        Files.createDirectories(tmp);
    }

    public Path path(Digest d) {
        return blobs.resolve(d.algorithm()).resolve(d.hex());
    }

    /** A directory for scratch files of work in progress; emptied at every start. */
    public Path scratchDir() {
        return tmp;
    }

    public boolean exists(Digest d) {
        return Files.exists(path(d));
    }

    public byte[] read(Digest d) throws IOException {
        return Files.readAllBytes(path(d));
    }

    /** Stores {@code content}; returns its sha256 digest. */
    public Digest put(byte[] content) throws IOException {
        Digest d = Digest.sha256(content);
        if (exists(d)) {
            touch(d);
            return d;
        }
        Path t = tempFile();
        try {
            try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            moveIntoPlace(t, d);
        } finally {
            Files.deleteIfExists(t);
        }
        return d;
    }

    /**
     * Streams {@code in} into the store. When {@code expected} is given the content must match it,
     * else nothing is stored and an {@link IOException} says so.
     */
    public Digest put(InputStream in, Digest expected) throws IOException {
        Path t = tempFile();
        try {
            MessageDigest md = Digest.newSha256();
            try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = new DigestOutputStream(java.nio.channels.Channels.newOutputStream(ch), md)) {
                in.transferTo(out);
                out.flush();
                ch.force(true);
            }
            Digest d = Digest.ofSha256(md);
            if (expected != null && !expected.equals(d)) {
                throw new IOException("content digest mismatch: expected " + expected + ", got " + d);
            }
            if (!exists(d)) {
                moveIntoPlace(t, d);
            } else {
                touch(d);
            }
            return d;
        } finally {
            Files.deleteIfExists(t);
        }
    }

    /** Starts writing a blob whose digest is learnt as it streams; see {@link Ingest}. */
    public Ingest ingest() throws IOException {
        return new Ingest(tempFile());
    }

    /**
     * A blob being written: bytes go to {@link #out()} (a temp file, hashed as they pass);
     * {@link #commit} checks the digest and moves the blob into place; {@link #close} without a
     * commit leaves nothing behind.
     */
    public final class Ingest implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final MessageDigest md = Digest.newSha256();
        private final OutputStream out;
        private long size;

        private Ingest(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
            this.out = new DigestOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16), md) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    super.write(b, off, len);
                    size += len;
                }

                @Override
                public void write(int b) throws IOException {
                    super.write(b);
                    size++;
                }

                @Override
                public void close() {
                    // closed by the ingest, after the sync
                }
            };
        }

        public OutputStream out() {
            return out;
        }

        public long size() {
            return size;
        }

        /** The digest of what was written so far (call once, at the end). */
        public Digest digest() {
            return Digest.ofSha256(md);
        }

        /** Syncs the blob and moves it into place if it is {@code expected} (the digest of the bytes written). */
        public void commit(Digest expected, Digest actual) throws IOException {
            if (!expected.equals(actual)) {
                throw new IOException("content digest mismatch: expected " + expected + ", got " + actual);
            }
            out.flush();
            channel.force(true);
            channel.close();
            if (!exists(expected)) {
                moveIntoPlace(file, expected);
            } else {
                touch(expected);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
            Files.deleteIfExists(file);
        }
    }

    /**
     * Marks a blob as just used: its modification time is what {@link #collect} weighs against the grace
     * period, so work that picks up an unreferenced blob keeps it from being collected meanwhile.
     */
    public void touch(Digest d) {
        try {
            Files.setLastModifiedTime(path(d), FileTime.from(Instant.now()));
        } catch (IOException ignored) {
            // gone already: the caller finds out when it reads it
        }
    }

    /**
     * Deletes the blobs that are not {@code live} and were not written or used within {@code grace}
     * (blobs of work in progress are younger). Returns the digests removed.
     */
    public List<Digest> collect(Predicate<Digest> live, Duration grace) throws IOException {
        Instant cutoff = Instant.now().minus(grace);
        List<Digest> removed = new ArrayList<>();
        try (DirectoryStream<Path> algs = Files.newDirectoryStream(blobs)) {
            for (Path alg : algs) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
                    for (Path f : files) {
                        Digest d;
                        try {
                            d = Digest.parse(alg.getFileName() + ":" + f.getFileName());
                        } catch (IllegalArgumentException e) {
                            continue; // not a blob of ours
                        }
                        if (live.test(d)) {
                            continue;
                        }
                        try {
                            if (Files.getLastModifiedTime(f).toInstant().isAfter(cutoff)) {
                                continue;
                            }
                            Files.delete(f);
                            removed.add(d);
                        } catch (NoSuchFileException ignored) {
                            // removed meanwhile
                        }
                    }
                }
            }
        }
        return removed;
    }

    public void delete(Digest d) throws IOException {
        try {
            Files.delete(path(d));
        } catch (NoSuchFileException ignored) {
            // already gone
        }
    }

    private Path tempFile() {
        return tmp.resolve(UUID.randomUUID().toString());
    }

    private void moveIntoPlace(Path t, Digest d) throws IOException {
        Path target = path(d);
        Files.createDirectories(target.getParent());
        Files.move(t, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir(target.getParent());
    }

    /** fsync of a directory makes a rename in it durable. */
    static void syncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some filesystems refuse fsync on directories; the rename is still atomic
        }
    }
}
