package dev.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static dev.berth.sys.Native.A;
import static dev.berth.sys.Native.I;
import static dev.berth.sys.Native.L;

/**
 * A private duplicate of a non-blocking socket descriptor, read by one thread at a time straight into
 * native memory. Being a duplicate, it stays valid while the original's owner (an event loop) closes
 * its own descriptor: a reader can never end up reading a file that reused the number.
 */
public final class SocketFd implements AutoCloseable {
    private static final MethodHandle READ = Native.handle("read", FunctionDescriptor.of(L, I, A, L));
    private static final MethodHandle POLL = Native.handle("poll", FunctionDescriptor.of(I, A, L, I));
    private static final MethodHandle CLOSE = Native.handle("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle FCNTL = Native.handle("fcntl", FunctionDescriptor.of(I, I, I, I), Linker.Option.firstVariadicArg(2));
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final short POLLIN = 0x1;
    private static final short POLLERR = 0x8;
    private static final short POLLHUP = 0x10;
    private static final short POLLRDHUP = 0x2000;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Native.CAPTURE);
    private final MemorySegment pollfd = arena.allocate(8, 4);
    private boolean closed;

    private SocketFd(int fd) {
        this.fd = fd;
    }

    /** A close-on-exec duplicate of {@code fd}, which must be a non-blocking socket. */
    public static SocketFd dup(int fd) throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CAPTURE);
            int copy = (int) FCNTL.invokeExact(st, fd, F_DUPFD_CLOEXEC, 0);
            if (copy < 0) {
                throw Libc.error("dup of descriptor " + fd, Native.errno(st));
            }
            return new SocketFd(copy);
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * read(2) into {@code dst}, a native segment: the number of bytes read, 0 when none are there
     * yet (the socket would block), -1 at the end of the stream.
     */
    public synchronized long read(MemorySegment dst) throws Libc.ErrnoException {
        if (!dst.isNative()) {
            throw new IllegalArgumentException("read needs a native segment");
        }
        ensureOpen();
        try {
            while (true) {
                long n = (long) READ.invokeExact(state, fd, dst, dst.byteSize());
                if (n > 0) {
                    return n;
                }
                if (n == 0) {
                    return dst.byteSize() == 0 ? 0 : -1;
                }
                int errno = Native.errno(state);
                if (errno == EAGAIN) {
                    return 0;
                }
                if (errno != EINTR) {
                    throw Libc.error("read", errno);
                }
            }
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Waits with poll(2) up to {@code timeoutMillis} (0: not at all) until a read would not block:
     * bytes arrived, the peer closed its side, or the socket failed. True when so.
     */
    public synchronized boolean awaitReadable(int timeoutMillis) throws Libc.ErrnoException {
        ensureOpen();
        pollfd.set(I, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) (POLLIN | POLLRDHUP));
        pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        try {
            int rc = (int) POLL.invokeExact(state, pollfd, 1L, timeoutMillis);
            if (rc < 0) {
                int errno = Native.errno(state);
                if (errno == EINTR) {
                    return false;
                }
                throw Libc.error("poll", errno);
            }
            short revents = pollfd.get(ValueLayout.JAVA_SHORT, 6);
            return rc > 0 && (revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void ensureOpen() throws Libc.ErrnoException {
        if (closed) {
            throw new Libc.ErrnoException("socket descriptor already closed", 9);
        }
    }

    /** Closes the duplicate; the original is untouched. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
