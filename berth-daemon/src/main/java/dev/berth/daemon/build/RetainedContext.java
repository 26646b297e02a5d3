package dev.berth.daemon.build;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A context body that was read to its end and indexed, kept in the spool memory it arrived in
 * together with its index: a build that sends the same bytes again is recognised while they
 * arrive, shares this memory instead of keeping its own, and needs no tar parse and no checksum.
 * Each holder (the memo, a build comparing against it) has its own instance and gives its hold
 * on the chunks back with {@link #release}.
 */
final class RetainedContext {
    private final ContextSpool.Budget budget;
    private final List<ContextSpool.Piece> pieces;
    private final int[] lengths;
    private final long length;
    private final ContextIndex.Snapshot index;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    private RetainedContext(ContextSpool.Budget budget, List<ContextSpool.Piece> pieces, int[] lengths, ContextIndex.Snapshot index) {
        this.budget = budget;
        this.pieces = pieces;
        this.lengths = lengths;
        this.index = index;
        long n = 0;
        for (int l : lengths) {
            n += l;
        }
        this.length = n;
    }

    /** Holds the chunks of a spool whose whole body is in memory, with the index parsed from them. */
    static RetainedContext of(List<ContextSpool.Chunk> chunks, ContextSpool.Budget budget, ContextIndex.Snapshot index) {
        List<ContextSpool.Piece> pieces = new ArrayList<>(chunks.size());
        int[] lengths = new int[chunks.size()];
        for (int i = 0; i < chunks.size(); i++) {
            pieces.add(budget.share(chunks.get(i).piece()));
            lengths[i] = chunks.get(i).length();
        }
        return new RetainedContext(budget, List.copyOf(pieces), lengths, index);
    }

    /** Another hold on the same context, released separately. */
    RetainedContext share() {
        pieces.forEach(budget::share);
        return new RetainedContext(budget, pieces, lengths, index);
    }

    /** The body's size in bytes. */
    long length() {
        return length;
    }

    /** Chunks of the body, the last shorter than {@link ContextSpool#CHUNK} (possibly empty). */
    int chunks() {
        return pieces.size();
    }

    ContextSpool.Piece piece(int i) {
        return pieces.get(i);
    }

    /** Bytes of the body in chunk {@code i}. */
    int length(int i) {
        return lengths[i];
    }

    /** The index the body gave. */
    ContextIndex.Snapshot index() {
        return index;
    }

    /**
     * The file of the body at {@code path} if the memo would keep it ({@link ContextMemo#MIN_SIZE} or
     * more) and it has {@code size} bytes, as a new hold on the body; null otherwise.
     */
    File file(String path, long size) {
        ContextIndex.Snapshot.FileData f = index.file(path);
        if (f == null || f.size() != size) {
            return null;
        }
        return new File(share(), f);
    }

    /** Whether the body has a file the memo would keep at {@code path}, of any size. */
    boolean has(String path) {
        return index.file(path) != null;
    }

    /** Every file of the body the memo would keep, with its size. */
    void files(BiConsumer<String, Long> each) {
        index.files().forEach((path, f) -> each.accept(path, f.size()));
    }

    /** Bytes {@code [offset, offset + n)} of the body, piece by piece, in order. */
    private void slices(long offset, long n, Consumer<MemorySegment> sink) {
        long at = offset;
        long end = offset + n;
        while (at < end) {
            int i = (int) (at / ContextSpool.CHUNK);
            int from = (int) (at % ContextSpool.CHUNK);
            int k = (int) Math.min(end - at, lengths[i] - from);
            sink.accept(pieces.get(i).memory().asSlice(from, k));
            at += k;
        }
    }

    /** One file of a retained body, read where it lies in the body's chunks. */
    static final class File implements ContextMemo.Remembered {
        private final RetainedContext body;
        private final ContextIndex.Snapshot.FileData data;

        private File(RetainedContext body, ContextIndex.Snapshot.FileData data) {
            this.body = body;
            this.data = data;
        }

        @Override
        public long size() {
            return data.size();
        }

        @Override
        public String digest() {
            return data.digest();
        }

        @Override
        public boolean matches(long pos, MemorySegment in) {
            if (pos + in.byteSize() > data.size()) {
                return false;
            }
            long[] at = {0};
            boolean[] same = {true};
            body.slices(data.offset() + pos, in.byteSize(), part -> {
                if (same[0]) {
                    same[0] = in.asSlice(at[0], part.byteSize()).mismatch(part) < 0;
                }
                at[0] += part.byteSize();
            });
            return same[0];
        }

        @Override
        public void prefix(long n, Consumer<MemorySegment> sink) {
            body.slices(data.offset(), n, sink);
        }

        @Override
        public void done() {
            body.release();
        }
    }

    /** This holder is done with the chunks. */
    void release() {
        if (released.compareAndSet(false, true)) {
            budget.give(pieces);
        }
    }
}
