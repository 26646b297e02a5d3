package dev.berth.daemon.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A build context's tar as it was received, kept until the build ends: in off-heap chunks as far as
 * the daemon-wide {@link Budget} allows (no file system work, no garbage for the collector), the
 * rest in a file. The body is read straight into those chunks, and the same chunks are what the
 * index parses, so the bytes are copied once on their way in. A fully cached build reads none of
 * it back. A body that repeats the memo's retained one byte for byte is not copied at all: its
 * chunks are the retained ones, shared.
 */
final class ContextSpool implements AutoCloseable {
    /**
     * Memory all builds' spools share, in {@link #CHUNK}-sized pieces. Pieces given back stay
     * allocated for the next build: allocating (and so zeroing and faulting in) 50 MiB cost a build
     * ~30 ms, as much as checksumming it. They are unmapped once no build took one for 30 s, whatever
     * the memo's retained context still holds.
     */
    static final class Budget {
        private final int limit;
        /** The memo's default size: a typical context fits, and it goes after ten idle minutes. */
        static final long MEMO_BYTES = 64L << 20;

        private final ContextMemo memo;
        /*
         * Lock-free: the reader taking pieces runs under SCHED_BATCH, and must hold no lock a build's
         * virtual thread (giving its pieces back) could wait on, since it would wake that thread itself.
         */
        private final java.util.concurrent.ConcurrentLinkedDeque<Piece> free = new java.util.concurrent.ConcurrentLinkedDeque<>();
        private final java.util.concurrent.atomic.AtomicInteger lent = new java.util.concurrent.atomic.AtomicInteger();
        /*
         * Touched by take() only: it runs on the readers' batch threads alone, while give() is also called by
         * requests' virtual threads, and the timer's lock must not be one both wait on (see ContextIndex.Worker).
         */
        private final IdleTimer idle;
        /** Platform threads that read and parse contexts, kept a minute after their last build. */
        private final java.util.concurrent.ExecutorService workers = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE,
                60, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
                Thread.ofPlatform().daemon().name("context-idle-", 0).factory());

        Budget(int mib) {
            this(mib, MEMO_BYTES);
        }

        Budget(int mib, long memoBytes) {
            this(mib, memoBytes, ContextMemo.IDLE);
        }

        Budget(int mib, long memoBytes, java.time.Duration memoIdle) {
            this(mib, memoBytes, memoIdle, java.time.Duration.ofSeconds(30));
        }

        Budget(int mib, long memoBytes, java.time.Duration memoIdle, java.time.Duration piecesIdle) {
            this.limit = mib;
            this.memo = new ContextMemo(memoBytes, memoIdle);
            this.idle = new IdleTimer(piecesIdle, this::freeAll);
        }

        /** The files of recent contexts, which builds compare instead of hashing them again. */
        ContextMemo memo() {
            return memo;
        }

        /** The threads a context is read and parsed on. */
        java.util.concurrent.Executor workers() {
            return workers;
        }

        /**
         * A chunk of memory for the caller alone, or null when every one is lent out. The memo's
         * retained context is let go first, since a build that needs memory matters more than
         * one that might come and send the same bytes again.
         */
        Piece take() {
            Piece p = tryTake();
            if (p == null && memo.forgetRetained()) {
                p = tryTake();
            }
            return p;
        }

        private Piece tryTake() {
            idle.touch();
            if (lent.incrementAndGet() > limit) {
                lent.decrementAndGet();
                return null;
            }
            Piece p = free.pollFirst();
            if (p == null) {
                Arena arena = Arena.ofShared();
                try {
                    // mapped, not malloc'd: freed chunks must leave the process, not a malloc arena
                    p = new Piece(arena, dev.berth.sys.Libc.mapAnonymous(CHUNK, arena));
                } catch (dev.berth.sys.Libc.ErrnoException e) {
                    arena.close();
                    lent.decrementAndGet();
                    return null; // out of memory: the spool goes to its file
                }
            }
            p.users.set(1);
            return p;
        }

        /** One more holder of a lent chunk; it goes back once every holder gave it. */
        Piece share(Piece p) {
            if (p.users.getAndIncrement() <= 0) {
                throw new IllegalStateException("a chunk was shared after it went back");
            }
            return p;
        }

        /** The caller holds these chunks no more. */
        void give(List<Piece> pieces) {
            int back = 0;
            for (Piece p : pieces) {
                int left = p.users.decrementAndGet();
                if (left == 0) {
                    free.addFirst(p);
                    back++;
                } else if (left < 0) {
                    throw new IllegalStateException("a chunk went back twice");
                }
            }
            lent.addAndGet(-back);
        }

        /** Chunks lent out (held by spools or by the memo's retained context). */
        int lent() {
            return lent.get();
        }

        /** Chunks kept allocated for the next build. */
        int kept() {
            return free.size();
        }

        /** Unmaps the kept chunks; one a build takes meanwhile is simply not among them. */
        void freeAll() {
            for (Piece p; (p = free.pollFirst()) != null; ) {
                p.arena().close();
            }
        }
    }

    /**
     * A {@link #CHUNK} of memory a {@link Budget} lends, unmapped when its arena closes. Spools and
     * the memo's retained context may hold the same piece (a context sent again shares the memory
     * of the one it repeats); it goes back to the budget when its last holder gives it.
     */
    static final class Piece {
        private final Arena arena;
        private final MemorySegment memory;
        private final java.util.concurrent.atomic.AtomicInteger users = new java.util.concurrent.atomic.AtomicInteger();

        Piece(Arena arena, MemorySegment memory) {
            this.arena = arena;
            this.memory = memory;
        }

        Arena arena() {
            return arena;
        }

        MemorySegment memory() {
            return memory;
        }
    }

    /** One piece of the body, handed from the reading thread to the parser: in spool memory or, past the budget, on the heap. */
    record Chunk(Piece piece, byte[] heap, int length) {
        static final Chunk END = new Chunk(null, new byte[0], 0);

        InputStream stream() {
            return piece != null ? new SegmentStream(piece.memory().asSlice(0, length)) : new java.io.ByteArrayInputStream(heap, 0, length);
        }
    }

    /** Size of a chunk of memory, and of the reads from the body. */
    static final int CHUNK = 1 << 20;

    private final WorkDir dir;
    private final Path file;
    private final Budget budget;
    private final List<Chunk> inMemory = new ArrayList<>();
    private FileChannel overflow;
    private boolean closed;

    /** A spool whose file, if it needs one, is {@code context.tar} in {@code dir} (made then). */
    ContextSpool(WorkDir dir, Budget budget) {
        this.dir = dir;
        this.file = dir.path().resolve("context.tar");
        this.budget = budget;
    }

    /**
     * Reads the next {@link #CHUNK} bytes of {@code body} (fewer only at its end) and keeps them.
     * Once one chunk went to the file, the rest follows it.
     */
    Chunk fill(InputStream body) throws IOException {
        Piece p = null;
        synchronized (this) {
            if (closed) {
                throw new IOException("the build context spool is gone");
            }
            if (overflow == null) {
                p = budget.take();
            }
        }
        if (p == null) {
            byte[] b = new byte[CHUNK];
            int n = body.readNBytes(b, 0, b.length);
            synchronized (this) {
                if (overflow == null) {
                    dir.create();
                    overflow = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                }
                ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
                while (bb.hasRemaining()) {
                    overflow.write(bb);
                }
            }
            return new Chunk(null, b, n);
        }
        return keep(p, 0, false, channel(body));
    }

    /** Fills {@code m} from {@code from} until it is full or the body ends; returns the bytes in it. */
    private static int readInto(ReadableByteChannel ch, MemorySegment m, int from) throws IOException {
        ByteBuffer bb = m.asByteBuffer().position(from);
        while (bb.hasRemaining() && ch.read(bb) >= 0) {
            // until the chunk is full or the body ends
        }
        return bb.position();
    }

    /** The body as a channel: itself when it is one (a socket body reads straight into memory). */
    static ReadableByteChannel channel(InputStream body) {
        return body instanceof ReadableByteChannel c ? c : Channels.newChannel(body);
    }

    /** A chunk of memory for {@link #keep}, or null past the budget. */
    Piece take() throws IOException {
        synchronized (this) {
            if (closed) {
                throw new IOException("the build context spool is gone");
            }
        }
        return budget.take();
    }

    /** Gives back a piece from {@link #take} that was not kept. */
    void giveBack(Piece p) {
        budget.give(List.of(p));
    }

    /**
     * Keeps {@code p} as the next chunk: its first {@code have} bytes are the body's, the rest is read
     * from {@code ch} unless the body already {@code ended}. The spool owns {@code p} from here on.
     */
    Chunk keep(Piece p, int have, boolean ended, ReadableByteChannel ch) throws IOException {
        int n;
        try {
            n = ended ? have : readInto(ch, p.memory(), have);
        } catch (IOException | RuntimeException e) {
            giveBack(p);
            throw e;
        }
        return add(new Chunk(p, null, n));
    }

    /** Adds a chunk of memory another holder keeps too (the memo's retained context), with its first {@code length} bytes. */
    Chunk share(Piece p, int length) throws IOException {
        return add(new Chunk(budget.share(p), null, length));
    }

    private synchronized Chunk add(Chunk c) throws IOException {
        if (closed) {
            budget.give(List.of(c.piece()));
            throw new IOException("the build context spool is gone");
        }
        inMemory.add(c);
        return c;
    }

    /** The chunks, in order, when the whole body is in memory; null when some of it went to the file. */
    synchronized List<Chunk> chunksInMemory() {
        return closed || overflow != null ? null : List.copyOf(inMemory);
    }

    /** The budget the spool's memory comes from. */
    Budget budget() {
        return budget;
    }

    /** The memo of recent contexts' files this spool's builds share. */
    ContextMemo memo() {
        return budget.memo();
    }

    /** The threads a context is read and parsed on. */
    java.util.concurrent.Executor workers() {
        return budget.workers();
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
        for (Chunk c : inMemory) {
            parts.add(c.stream());
        }
        if (overflow != null) {
            parts.add(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16));
        }
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    /**
     * The body's bytes from {@code offset}, {@code size} of them: a COPY reads a file of a plain tar context
     * where it lies instead of the whole spool being written out first. The stream holds the memory it reads
     * until it is closed, so the spool closing (the build ending, or the context being written out) under a
     * reader neither frees nor lends that memory to another build.
     */
    synchronized InputStream open(long offset, long size) throws IOException {
        if (closed) {
            throw new IOException("the build context spool is gone");
        }
        long end = offset + size;
        List<InputStream> parts = new ArrayList<>();
        List<Piece> held = new ArrayList<>();
        long pos = 0;
        for (Chunk c : inMemory) {
            long next = pos + c.length();
            if (next > offset && pos < end) {
                int from = (int) (Math.max(offset, pos) - pos);
                int n = (int) (Math.min(end, next) - pos) - from;
                // only memory chunks are listed here: those past the budget went to the file
                held.add(budget.share(c.piece()));
                parts.add(new SegmentStream(c.piece().memory().asSlice(from, n)));
            }
            pos = next;
        }
        if (end > pos) {
            FileChannel ch = overflow == null ? null : FileChannel.open(file, StandardOpenOption.READ);
            if (ch == null || ch.size() < end - pos) {
                if (ch != null) {
                    ch.close();
                }
                budget.give(held);
                throw new IOException("the build context spool ends before byte " + end);
            }
            parts.add(new dev.berth.sys.BoundedInputStream(Channels.newInputStream(ch.position(Math.max(offset, pos) - pos)),
                    end - Math.max(offset, pos), "the build context spool file ends early"));
        }
        return new SequenceInputStream(Collections.enumeration(parts)) {
            private boolean released;

            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    synchronized (this) {
                        if (!released) {
                            released = true;
                            budget.give(held);
                        }
                    }
                }
            }
        };
    }

    /** Gives the memory back and deletes the file. Nothing may read a chunk of this spool afterwards. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        budget.give(inMemory.stream().map(Chunk::piece).toList());
        inMemory.clear();
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
