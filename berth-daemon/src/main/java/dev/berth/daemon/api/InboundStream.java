package dev.berth.daemon.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * Bytes that arrive on a connection (a request body, or a hijacked stream's input), read by a
 * blocking handler. Reading from the socket pauses while too much is queued, so a slow consumer
 * applies back-pressure to the client instead of filling the heap. As a channel it copies straight
 * from the network buffers into the reader's buffer.
 */
final class InboundStream extends RequestBody {
    private static final int HIGH_WATER = 4 << 20;
    private static final int LOW_WATER = 1 << 20;

    private final Channel channel;
    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private int queued;
    private int wanted = 1; // bytes a waiting reader needs before it is worth waking
    private boolean ended;
    /** This stream stopped the connection's reads (too much queued); only it turns them back on. */
    private boolean paused;
    private IOException failure;

    InboundStream(Channel channel) {
        this.channel = channel;
    }

    /** Called on the event loop; takes ownership of {@code buf}. */
    synchronized void offer(ByteBuf buf) {
        if (ended) {
            buf.release();
            return;
        }
        if (!buf.isReadable()) {
            buf.release();
            return;
        }
        chunks.add(buf);
        queued += buf.readableBytes();
        if (queued > HIGH_WATER && !paused) {
            paused = true;
            channel.config().setAutoRead(false);
        }
        if (queued >= wanted) {
            notifyAll();
        }
    }

    /** No more bytes will come (end of body, or the peer closed); on the event loop. */
    synchronized void end() {
        ended = true;
        resumeIfPaused();
        notifyAll();
    }

    synchronized void fail(IOException e) {
        failure = e;
        ended = true;
        resumeIfPaused();
        notifyAll();
    }

    synchronized boolean isEnded() {
        return ended && chunks.isEmpty();
    }

    /**
     * Takes what is queued (up to {@code len}) under the lock and copies it after releasing it, so
     * the event loop offering the next chunk never waits for a large copy.
     */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        java.util.List<ByteBuf> taken = take(len);
        if (taken == null) {
            return -1;
        }
        int pos = off;
        for (ByteBuf t : taken) {
            int k = t.readableBytes();
            t.readBytes(b, pos, k);
            pos += k;
            t.release();
        }
        return pos - off;
    }

    /** Fills {@code dst} as {@link #readNBytes} fills an array: to its end, or up to the end of the stream. */
    @Override
    public int read(java.nio.ByteBuffer dst) throws IOException {
        int start = dst.position();
        boolean asked = dst.hasRemaining();
        while (dst.hasRemaining()) {
            awaitBatch(dst.remaining());
            java.util.List<ByteBuf> taken = take(dst.remaining());
            if (taken == null) {
                break;
            }
            int limit = dst.limit();
            for (ByteBuf t : taken) {
                dst.limit(dst.position() + t.readableBytes()); // readBytes(ByteBuffer) fills all that remains
                t.readBytes(dst);
                t.release();
            }
            dst.limit(limit);
        }
        int n = dst.position() - start;
        return n == 0 && asked ? -1 : n;
    }

    /** Up to {@code len} queued bytes, waiting for at least one; null at the end. */
    private java.util.List<ByteBuf> take(int len) throws IOException {
        java.util.List<ByteBuf> taken = new java.util.ArrayList<>(4);
        int n = 0;
        synchronized (this) {
            while (chunks.isEmpty()) {
                if (ended) {
                    if (failure != null) {
                        throw failure;
                    }
                    return null;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
            }
            while (n < len && !chunks.isEmpty()) {
                ByteBuf head = chunks.peek();
                int k = Math.min(len - n, head.readableBytes());
                taken.add(k == head.readableBytes() ? chunks.poll() : head.readRetainedSlice(k));
                n += k;
            }
            queued -= n;
            if (queued < LOW_WATER) {
                resumeIfPaused();
            }
        }
        return taken;
    }

    /** Waits until {@code len} bytes (at most half the high-water mark) are queued or the stream ended. */
    private synchronized void awaitBatch(int len) throws InterruptedIOException {
        int want = Math.min(len, HIGH_WATER / 2);
        while (queued < want && !ended) {
            wanted = want;
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            } finally {
                wanted = 1;
            }
        }
    }

    /**
     * Blocks until {@code len} bytes or the end, as {@link InputStream#readNBytes(byte[], int, int)}
     * does, but wakes up once per batch (up to half the high-water mark) instead of once per network
     * chunk: a large body then costs a few hand-offs between the event loop and the reader, not
     * thousands, which matters on a busy machine where every wake-up waits for a CPU.
     */
    @Override
    public int readNBytes(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        int done = 0;
        while (done < len) {
            awaitBatch(len - done);
            int n = read(b, off + done, len - done);
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    @Override
    public synchronized int available() {
        return queued;
    }

    @Override
    public synchronized void close() {
        for (ByteBuf b : chunks) {
            b.release();
        }
        chunks.clear();
        queued = 0;
        ended = true;
        resumeIfPaused();
        notifyAll();
    }

    /**
     * Undoes this stream's own pause, and only that: the connection's reading is not this stream's
     * once it has ended. A stream that never paused (a {@code _ping}'s) must leave it alone, or its
     * late close would turn reading back on under the next request's {@link SocketBody}, and the
     * event loop would take (and drop) that body's bytes. Caller holds the lock.
     */
    private void resumeIfPaused() {
        if (!paused) {
            return;
        }
        paused = false;
        channel.eventLoop().execute(() -> {
            synchronized (this) {
                if (paused) {
                    return; // paused again (offer runs on this loop too) before this ran
                }
            }
            if (channel.isActive() && !SocketBody.owns(channel)) {
                channel.config().setAutoRead(true);
            }
        });
    }
}
