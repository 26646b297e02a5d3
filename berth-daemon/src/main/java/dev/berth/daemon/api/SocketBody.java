package dev.berth.daemon.api;

import dev.berth.sys.SocketFd;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslHandler;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A request body that the handler's thread reads from the connection's socket itself, bypassing the
 * event loop: the kernel copies the bytes straight into the reader's memory, and the HTTP/1.1
 * framing (a Content-Length, or chunked coding) is undone here, in place. For large uploads on
 * plaintext connections (a build context); the event loop no longer decodes this connection, which
 * closes after the response.
 *
 * <p>Waiting for bytes blocks the thread in poll(2), which would pin a virtual thread's carrier: read
 * it from a platform thread. A virtual thread may read it too, but waits by sleeping, more slowly.
 */
final class SocketBody extends RequestBody {
    private static final int POLL_MILLIS = 250;
    /**
     * How long a platform thread that finds no bytes keeps looking (poll(2) without waiting) before it sleeps in
     * poll(2). The sender's next write usually comes within microseconds; a reader asleep by then must be woken,
     * and on a virtual machine that wake-up (an idle vCPU, an interrupt between vCPUs) costs the sender more than
     * the spin costs the reader. A Java reader of a 52 MB context that waited 10 µs after each read took the docker
     * CLI's upload from 58 to 46 ms (a Python reader: 49); in berthd a cached build of it went ~3 ms faster
     * (median of 14 A/B rounds). System property {@code berth.body.spinMicros}, 0 to turn it off.
     */
    private static final long SPIN_NANOS = Long.getLong("berth.body.spinMicros", 15) * 1000;

    private final Channel channel;
    private final SocketFd socket;
    private final ChunkedDecoder chunked;
    private long left; // with a Content-Length: bytes still to come
    /** What the HTTP decoder had read past the headers, ahead of the socket's bytes; filled on the event loop. */
    private final ArrayDeque<ByteBuf> prefix = new ArrayDeque<>();
    private boolean sealed;
    private boolean ended;
    private boolean discarding;
    private MemorySegment scratch;
    private Arena scratchArena;

    private SocketBody(Channel channel, SocketFd socket, long framing) {
        this.channel = channel;
        this.socket = socket;
        this.chunked = framing == CHUNKED ? new ChunkedDecoder() : null;
        this.left = Math.max(framing, 0);
    }

    /** {@link #framing} of a body in chunked coding. */
    static final long CHUNKED = -1;
    /** {@link #framing} of a request whose body this cannot read. */
    static final long NONE = -2;

    /**
     * How {@code req}'s body is framed, if it can be read from the socket: its Content-Length, or
     * {@link #CHUNKED}; {@link #NONE} without a body, with another transfer coding, or on a connection
     * that is not a plaintext epoll one.
     */
    static long framing(Channel channel, HttpRequest req) {
        if (!(channel instanceof UnixChannel) || channel.pipeline().get(SslHandler.class) != null
                || channel.pipeline().get(TlsOnlyHandler.class) != null) {
            return NONE;
        }
        String te = req.headers().get(io.netty.handler.codec.http.HttpHeaderNames.TRANSFER_ENCODING);
        if (te != null) {
            return te.trim().equalsIgnoreCase("chunked") ? CHUNKED : NONE;
        }
        long length = HttpUtil.getContentLength(req, -1L);
        return length > 0 ? length : NONE;
    }

    /** Stops the event loop reading the connection and takes a duplicate of its socket; on the event loop. */
    static SocketBody open(Channel channel, long framing) throws IOException {
        channel.config().setAutoRead(false);
        SocketFd fd = SocketFd.dup(((UnixChannel) channel).fd().intValue());
        channel.attr(OWNER).set(Boolean.TRUE);
        return new SocketBody(channel, fd, framing);
    }

    private static final io.netty.util.AttributeKey<Boolean> OWNER = io.netty.util.AttributeKey.valueOf(SocketBody.class, "owner");

    /**
     * Whether a body is (or was) read from {@code channel}'s socket: nothing else may then turn the
     * event loop's reading back on, which would take the body's bytes. Such a connection closes after its answer.
     */
    static boolean owns(Channel channel) {
        return channel.hasAttr(OWNER);
    }

    /** Raw bytes the event loop read: before {@link #seal}, the body's start; afterwards only discarded ones. */
    synchronized void offer(ByteBuf raw) {
        if (sealed || ended) {
            raw.release();
            return;
        }
        prefix.add(raw);
    }

    /** Everything the HTTP decoder held has been offered; the reader may start. */
    synchronized void seal() {
        sealed = true;
        notifyAll();
    }

    private synchronized boolean isEnded() {
        return ended;
    }

    /** Fills {@code dst} (direct) from its position: at least one byte unless the body ended (-1). */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.isDirect()) {
            byte[] b = new byte[dst.remaining()];
            int n = read(b, 0, b.length);
            if (n > 0) {
                dst.put(b, 0, n);
            }
            return n;
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        long n = fill(MemorySegment.ofBuffer(dst));
        if (n > 0) {
            dst.position(dst.position() + (int) n);
        }
        return (int) n;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        MemorySegment s;
        synchronized (this) {
            if (scratch == null) {
                scratchArena = Arena.ofShared();
                scratch = scratchArena.allocate(1 << 16);
            }
            s = scratch;
        }
        long n = fill(s.asSlice(0, Math.min(len, s.byteSize())));
        if (n > 0) {
            MemorySegment.copy(s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
        }
        return (int) n;
    }

    /** Body bytes into {@code seg}: waits for the first, then takes what is there; -1 at the end. */
    private long fill(MemorySegment seg) throws IOException {
        awaitSealed();
        long cap = seg.byteSize();
        long w = 0;
        while (w < cap) {
            if (isEnded()) {
                break;
            }
            ByteBuf head = takePrefix();
            if (head != null) {
                int k = (int) Math.min(head.readableBytes(), cap - w);
                MemorySegment.copy(MemorySegment.ofBuffer(head.nioBuffer(head.readerIndex(), k)), 0, seg, w, k);
                head.skipBytes(k);
                putBackOrRelease(head);
                w = arrived(seg, w, k);
                continue;
            }
            long want = chunked != null ? cap - w : Math.min(left, cap - w);
            long n = socket.read(seg.asSlice(w, want));
            if (n > 0) {
                w = arrived(seg, w, n);
            } else if (n < 0) {
                end();
                throw new IOException("the client closed the connection before the end of the request body");
            } else if (w > 0) {
                break;
            } else {
                awaitReadable();
            }
        }
        return w == 0 && isEnded() ? -1 : w;
    }

    /** Decodes {@code n} raw bytes that just landed at {@code w}; returns the new end of the data. */
    private long arrived(MemorySegment seg, long w, long n) throws IOException {
        long end;
        if (chunked != null) {
            end = chunked.decode(seg, w, w + n);
            if (chunked.done()) {
                end();
            }
        } else {
            long k = Math.min(n, left);
            left -= k;
            end = w + k;
            if (left == 0) {
                end();
            }
        }
        return end;
    }

    private synchronized ByteBuf takePrefix() {
        return prefix.poll();
    }

    private synchronized void putBackOrRelease(ByteBuf head) {
        if (head.isReadable()) {
            prefix.addFirst(head);
        } else {
            head.release();
        }
    }

    private synchronized void awaitSealed() throws InterruptedIOException {
        while (!sealed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }
    }

    private void awaitReadable() throws IOException {
        boolean virtual = Thread.currentThread().isVirtual();
        if (!virtual && SPIN_NANOS > 0) {
            long until = System.nanoTime() + SPIN_NANOS;
            do {
                Thread.onSpinWait();
                if (socket.awaitReadable(0)) {
                    return;
                }
            } while (System.nanoTime() < until);
        }
        int nap = 1;
        while (!socket.awaitReadable(virtual ? 0 : POLL_MILLIS)) {
            if (!channel.isOpen()) {
                end();
                throw new IOException("the connection closed before the end of the request body");
            }
            if (virtual) {
                try {
                    Thread.sleep(nap);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
                nap = Math.min(nap * 2, 32);
            }
        }
    }

    /** The body is complete (or cannot be): the duplicate descriptor goes. */
    private void end() {
        synchronized (this) {
            ended = true;
            prefix.forEach(ByteBuf::release);
            prefix.clear();
        }
        socket.close();
    }

    /**
     * Done with the body. If some of it was not read, the event loop reads and discards the rest, and the
     * connection closes once the answer is out and the client stopped sending.
     */
    @Override
    public void close() {
        boolean rest;
        synchronized (this) {
            rest = !ended;
            discarding = rest;
            if (scratchArena != null) {
                scratchArena.close();
                scratchArena = null;
                scratch = null;
            }
        }
        end();
        if (rest && channel.isActive()) {
            channel.eventLoop().execute(() -> channel.config().setAutoRead(true));
        }
    }

    /** Read to its end (not cut short by {@link #close}): the connection carries nothing more of it. */
    synchronized boolean isComplete() {
        return ended && !discarding;
    }
}
