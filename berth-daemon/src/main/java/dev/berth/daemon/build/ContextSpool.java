package dev.berth.daemon.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * A build context's tar as it was received, kept until the build ends: in off-heap memory as far as
 * the daemon-wide {@link Budget} allows (no file system work, no garbage for the collector, freed
 * at once when the build ends), the rest in a file. A fully cached build reads none of it back.
 */
final class ContextSpool implements AutoCloseable {
    /** Memory all builds' spools share, in MiB chunks; what is not granted goes to files. */
    static final class Budget {
        private final Semaphore chunks;

        Budget(int mib) {
            this.chunks = new Semaphore(mib);
        }

        boolean tryTake() {
            return chunks.tryAcquire();
        }

        void give(int n) {
            chunks.release(n);
        }
    }

    /** Largest chunk written at once (the reader's buffer size). */
    static final int CHUNK = 1 << 20;

    private final Path file;
    private final Budget budget;
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> memory = new ArrayList<>();
    private int granted;
    private FileChannel overflow;
    private boolean closed;

    ContextSpool(Path file, Budget budget) {
        this.file = file;
        this.budget = budget;
    }

    /** Appends {@code n} (at most {@link #CHUNK}) bytes; once one chunk went to the file, the rest follows it. */
    synchronized void write(byte[] b, int n) throws IOException {
        if (n <= 0) {
            return;
        }
        if (overflow == null && budget.tryTake()) {
            granted++;
            MemorySegment seg = arena.allocate(n);
            MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, n);
            memory.add(seg);
            return;
        }
        if (overflow == null) {
            overflow = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
        while (bb.hasRemaining()) {
            overflow.write(bb);
        }
    }

    /** Everything written, from the start. */
    synchronized InputStream open() throws IOException {
        if (closed) {
            throw new IOException("the build context spool is gone");
        }
        if (overflow != null) {
            overflow.force(false);
        }
        List<InputStream> parts = new ArrayList<>();
        for (MemorySegment seg : memory) {
            parts.add(new SegmentStream(seg));
        }
        if (overflow != null) {
            parts.add(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16));
        }
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    /** Frees the memory and deletes the file. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        memory.clear();
        arena.close();
        budget.give(granted);
        granted = 0;
        if (overflow != null) {
            overflow.close();
        }
        Files.deleteIfExists(file);
    }

    /** Reads one memory chunk. */
    private static final class SegmentStream extends InputStream {
        private final MemorySegment seg;
        private long pos;

        SegmentStream(MemorySegment seg) {
            this.seg = seg;
        }

        @Override
        public int read() {
            return pos < seg.byteSize() ? seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long left = seg.byteSize() - pos;
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = (int) Math.min(len, left);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
