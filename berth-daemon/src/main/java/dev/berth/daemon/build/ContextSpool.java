package dev.berth.daemon.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A build context's tar as it was received, kept until the build ends: in off-heap chunks as far as
 * the daemon-wide {@link Budget} allows (no file system work, no garbage for the collector), the
 * rest in a file. The body is read straight into those chunks, and the same chunks are what the
 * index parses, so the bytes are copied once on their way in. A fully cached build reads none of
 * it back.
 */
final class ContextSpool implements AutoCloseable {
    /**
     * Memory all builds' spools share, in {@link #CHUNK}-sized pieces. Pieces given back stay
     * allocated for the next build: allocating (and so zeroing and faulting in) 50 MiB cost a build
     * ~30 ms, as much as checksumming it. They are unmapped once no build used them for a while.
     */
    static final class Budget {
        private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

        private record Piece(Arena arena, MemorySegment memory) {}

        private final int limit;
        private final ArrayDeque<Piece> free = new ArrayDeque<>();
        private final java.util.Map<MemorySegment, Piece> lent = new java.util.IdentityHashMap<>();
        private long lastGiven;

        Budget(int mib) {
            this.limit = mib;
        }

        /** A chunk of memory, or null when every one is lent out. */
        synchronized MemorySegment take() {
            if (lent.size() >= limit) {
                return null;
            }
            Piece p = free.poll();
            if (p == null) {
                Arena arena = Arena.ofShared();
                try {
                    // mapped, not malloc'd: freed chunks must leave the process, not a malloc arena
                    p = new Piece(arena, dev.berth.sys.Libc.mapAnonymous(CHUNK, arena));
                } catch (dev.berth.sys.Libc.ErrnoException e) {
                    arena.close();
                    return null; // out of memory: the spool goes to its file
                }
            }
            lent.put(p.memory(), p);
            return p.memory();
        }

        synchronized void give(List<MemorySegment> chunks) {
            for (MemorySegment m : chunks) {
                Piece p = lent.remove(m);
                if (p != null) {
                    free.push(p);
                }
            }
            lastGiven = System.nanoTime();
            if (lent.isEmpty() && !free.isEmpty()) {
                CompletableFuture.delayedExecutor(IDLE_NANOS + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS)
                        .execute(this::freeIfIdle);
            }
        }

        /** Chunks kept allocated for the next build. */
        synchronized int kept() {
            return free.size();
        }

        synchronized void freeIfIdle() {
            if (lent.isEmpty() && System.nanoTime() - lastGiven >= IDLE_NANOS) {
                freeAll();
            }
        }

        synchronized void freeAll() {
            for (Piece p : free) {
                p.arena().close();
            }
            free.clear();
        }
    }

    /** One piece of the body, handed from the reading thread to the parser: in spool memory or, past the budget, on the heap. */
    record Chunk(MemorySegment memory, byte[] heap, int length) {
        static final Chunk END = new Chunk(null, new byte[0], 0);

        InputStream stream() {
            return memory != null ? new SegmentStream(memory.asSlice(0, length)) : new java.io.ByteArrayInputStream(heap, 0, length);
        }
    }

    /** Size of a chunk of memory, and of the reads from the body. */
    static final int CHUNK = 1 << 20;

    private final Path file;
    private final Budget budget;
    private final List<MemorySegment> memory = new ArrayList<>();
    private final List<Integer> lengths = new ArrayList<>();
    private FileChannel overflow;
    private boolean closed;

    ContextSpool(Path file, Budget budget) {
        this.file = file;
        this.budget = budget;
    }

    /**
     * Reads the next {@link #CHUNK} bytes of {@code body} (fewer only at its end) and keeps them.
     * Once one chunk went to the file, the rest follows it.
     */
    Chunk fill(InputStream body) throws IOException {
        MemorySegment m = null;
        synchronized (this) {
            if (closed) {
                throw new IOException("the build context spool is gone");
            }
            if (overflow == null) {
                m = budget.take();
            }
        }
        if (m == null) {
            byte[] b = new byte[CHUNK];
            int n = body.readNBytes(b, 0, b.length);
            synchronized (this) {
                if (overflow == null) {
                    overflow = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                }
                ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
                while (bb.hasRemaining()) {
                    overflow.write(bb);
                }
            }
            return new Chunk(null, b, n);
        }
        int n;
        try {
            n = readInto(body, m);
        } catch (IOException | RuntimeException e) {
            budget.give(List.of(m));
            throw e;
        }
        synchronized (this) {
            if (closed) {
                budget.give(List.of(m));
                throw new IOException("the build context spool is gone");
            }
            memory.add(m);
            lengths.add(n);
        }
        return new Chunk(m, null, n);
    }

    /** Fills {@code m} from the body: straight from the network buffers when the body is a channel. */
    private static int readInto(InputStream body, MemorySegment m) throws IOException {
        if (body instanceof ReadableByteChannel ch) {
            ByteBuffer bb = m.asByteBuffer();
            while (bb.hasRemaining()) {
                if (ch.read(bb) < 0) {
                    break;
                }
            }
            return bb.position();
        }
        byte[] b = new byte[64 << 10];
        int n = 0;
        while (n < CHUNK) {
            int want = Math.min(b.length, CHUNK - n);
            int k = body.readNBytes(b, 0, want);
            MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, n, k);
            n += k;
            if (k < want) {
                break;
            }
        }
        return n;
    }

    /** Everything kept, from the start. */
    synchronized InputStream open() throws IOException {
        if (closed) {
            throw new IOException("the build context spool is gone");
        }
        if (overflow != null) {
            overflow.force(false);
        }
        List<InputStream> parts = new ArrayList<>();
        for (int i = 0; i < memory.size(); i++) {
            parts.add(new SegmentStream(memory.get(i).asSlice(0, lengths.get(i))));
        }
        if (overflow != null) {
            parts.add(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16));
        }
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    /** Gives the memory back and deletes the file. Nothing may read a chunk of this spool afterwards. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        budget.give(memory);
        memory.clear();
        lengths.clear();
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
