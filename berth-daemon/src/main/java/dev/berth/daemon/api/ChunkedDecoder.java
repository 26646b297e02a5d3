package dev.berth.daemon.api;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Undoes HTTP/1.1 chunked transfer coding (RFC 9112, section 7.1) in place, over the raw bytes in
 * whatever pieces they arrive: the chunks' data move down over the framing between them. Chunk
 * extensions and trailer fields are read and ignored.
 */
final class ChunkedDecoder {
    /** Longest chunk-size line or trailer line taken (extensions included). */
    static final int MAX_LINE = 4096;

    private enum State { SIZE, DATA, DATA_END, TRAILER, DONE }

    private State state = State.SIZE;
    private long left;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;

    /**
     * Decodes the raw bytes {@code [from, to)} of {@code seg}; their data end up at
     * {@code [from, returned)}. Bytes after the last chunk's trailers are not data and are left alone.
     *
     * @throws MalformedBodyException when the framing is not chunked coding
     */
    long decode(MemorySegment seg, long from, long to) throws MalformedBodyException {
        long r = from;
        long w = from;
        while (r < to && state != State.DONE) {
            if (state == State.DATA) {
                long k = Math.min(left, to - r);
                if (w != r) {
                    MemorySegment.copy(seg, r, seg, w, k);
                }
                r += k;
                w += k;
                left -= k;
                if (left == 0) {
                    state = State.DATA_END;
                }
                continue;
            }
            byte b = seg.get(ValueLayout.JAVA_BYTE, r++);
            if (b != '\n') {
                if (lineLength == MAX_LINE) {
                    throw new MalformedBodyException("chunked body: a line longer than " + MAX_LINE + " bytes");
                }
                line[lineLength++] = b;
                continue;
            }
            int n = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            lineLength = 0;
            switch (state) {
                case SIZE -> {
                    left = size(n);
                    state = left == 0 ? State.TRAILER : State.DATA;
                }
                case DATA_END -> {
                    if (n != 0) {
                        throw new MalformedBodyException("chunked body: chunk data longer than the chunk's size");
                    }
                    state = State.SIZE;
                }
                case TRAILER -> {
                    if (n == 0) {
                        state = State.DONE;
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        return w;
    }

    /** The last chunk and its trailers went by: the body is complete. */
    boolean done() {
        return state == State.DONE;
    }

    /** The chunk-size line's hexadecimal size, up to an extension ({@code ;...}) or white space. */
    private long size(int n) throws MalformedBodyException {
        long size = 0;
        int digits = 0;
        for (int i = 0; i < n; i++) {
            int c = line[i];
            int v = Character.digit(c, 16);
            if (v < 0) {
                if (c == ';' || c == ' ' || c == '\t') {
                    break;
                }
                throw new MalformedBodyException("chunked body: invalid chunk size line");
            }
            if (++digits > 15) {
                throw new MalformedBodyException("chunked body: chunk size too large");
            }
            size = size << 4 | v;
        }
        if (digits == 0) {
            throw new MalformedBodyException("chunked body: invalid chunk size line");
        }
        return size;
    }

    /** A request body whose framing is broken: the client's fault, a 400. */
    static final class MalformedBodyException extends IOException {
        MalformedBodyException(String message) {
            super(message);
        }
    }
}
