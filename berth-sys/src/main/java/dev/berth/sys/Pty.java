package dev.berth.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A pseudo-terminal pair owned by the daemon: the master is read and written through its file
 * descriptor (reopening it by path would make a new terminal), the slave is handed to a child
 * process by its path.
 */
public final class Pty implements AutoCloseable {
    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0400;
    private static final int O_CLOEXEC = 02000000;
    private static final long TIOCSWINSZ = 0x5414;
    private static final int EINTR = 4;
    private static final int EIO = 5;

    private static final MethodHandle POSIX_OPENPT = handle("posix_openpt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GRANTPT = handle("grantpt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UNLOCKPT = handle("unlockpt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PTSNAME_R = handle("ptsname_r", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle READ = handle("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = handle("write", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle IOCTL = Native.handle("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));

    private final int master;
    private final String slavePath;
    private volatile boolean closed;

    private Pty(int master, String slavePath) {
        this.master = master;
        this.slavePath = slavePath;
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return Native.handle(name, fd);
    }

    /** Opens a new pseudo-terminal (posix_openpt, grantpt, unlockpt). */
    public static Pty open() throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CAPTURE);
            int fd = (int) POSIX_OPENPT.invokeExact(st, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (fd < 0) {
                throw Libc.error("posix_openpt", Native.errno(st));
            }
            try {
                if ((int) GRANTPT.invokeExact(st, fd) != 0 || (int) UNLOCKPT.invokeExact(st, fd) != 0) {
                    throw Libc.error("unlockpt", Native.errno(st));
                }
                MemorySegment name = a.allocate(128);
                int rc = (int) PTSNAME_R.invokeExact(st, fd, name, 128L);
                if (rc != 0) {
                    throw Libc.error("ptsname_r", rc);
                }
                return new Pty(fd, name.getString(0));
            } catch (Throwable t) {
                int ignored = (int) CLOSE.invokeExact(st, fd);
                throw t;
            }
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The slave's path, e.g. {@code /dev/pts/3}, to be opened as a child's stdio. */
    public String slavePath() {
        return slavePath;
    }

    /**
     * Reads what the slave side wrote; -1 once every slave descriptor is closed (Linux reports
     * EIO then) or the pty was closed.
     */
    public int read(byte[] buf, int off, int len) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CAPTURE);
            MemorySegment b = a.allocate(len);
            while (true) {
                if (closed) {
                    return -1;
                }
                long n = (long) READ.invokeExact(st, master, b, (long) len);
                if (n > 0) {
                    MemorySegment.copy(b, ValueLayout.JAVA_BYTE, 0, buf, off, (int) n);
                    return (int) n;
                }
                if (n == 0) {
                    return -1;
                }
                int errno = Native.errno(st);
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EIO || closed) {
                    return -1;
                }
                throw Libc.error("read pty", errno);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Writes all of {@code buf[off, off+len)} to the master (the slave reads it as typed input). */
    public void write(byte[] buf, int off, int len) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CAPTURE);
            MemorySegment b = a.allocate(Math.max(1, len));
            MemorySegment.copy(buf, off, b, ValueLayout.JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                if (closed) {
                    throw new IOException("pty closed");
                }
                long n = (long) WRITE.invokeExact(st, master, b.asSlice(done), len - done);
                if (n < 0) {
                    int errno = Native.errno(st);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw Libc.error("write pty", errno);
                }
                done += n;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Sets the terminal's window size (TIOCSWINSZ); the foreground process group gets SIGWINCH. */
    public void resize(int rows, int cols) throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CAPTURE);
            MemorySegment ws = a.allocate(8);
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) cols);
            if ((int) IOCTL.invokeExact(st, master, TIOCSWINSZ, ws) != 0) {
                throw Libc.error("TIOCSWINSZ", Native.errno(st));
            }
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(a.allocate(Native.CAPTURE), master);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
