package dev.berth.daemon.build;

import java.util.ArrayList;
import java.util.List;

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

    /** This holder is done with the chunks. */
    void release() {
        if (released.compareAndSet(false, true)) {
            budget.give(pieces);
        }
    }
}
