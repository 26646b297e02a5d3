package dev.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The local terminal: whether a descriptor is a TTY, its window size, and raw mode
 * (tcgetattr/cfmakeraw/tcsetattr), as the CLI needs for {@code run -t} and {@code attach}.
 */
public final class Terminal {
    private static final long TIOCGWINSZ = 0x5413;
    private static final int TCSANOW = 0;
    /** glibc's struct termios is 60 bytes on Linux; extra room costs nothing. */
    private static final long TERMIOS_SIZE = 128;

    private static final MethodHandle ISATTY = handle("isatty", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle TCGETATTR = handle("tcgetattr",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle TCSETATTR = handle("tcsetattr",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle CFMAKERAW = handle("cfmakeraw", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MethodHandle IOCTL = Native.LINKER.downcallHandle(Native.LIBC.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));

    private Terminal() {}

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return Native.LINKER.downcallHandle(Native.LIBC.find(name).orElseThrow(), fd);
    }

    /** A terminal's size in character cells. */
    public record Size(int rows, int cols) {}

    /** The saved settings of a terminal put in raw mode; {@link #close()} puts them back. */
    public static final class RawMode implements AutoCloseable {
        private final int fd;
        private final byte[] saved;
        private boolean restored;

        private RawMode(int fd, byte[] saved) {
            this.fd = fd;
            this.saved = saved;
        }

        @Override
        public synchronized void close() {
            if (restored) {
                return;
            }
            restored = true;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment t = a.allocate(TERMIOS_SIZE);
                MemorySegment.copy(saved, 0, t, ValueLayout.JAVA_BYTE, 0, saved.length);
                int rc = (int) TCSETATTR.invokeExact(fd, TCSANOW, t);
                if (rc != 0) {
                    throw new IllegalStateException("tcsetattr failed on fd " + fd);
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** isatty(3). */
    public static boolean isTerminal(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The window size of the terminal on {@code fd}, or null when it is not a terminal. */
    public static Size size(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8);
            int rc = (int) IOCTL.invokeExact(fd, TIOCGWINSZ, ws);
            if (rc != 0) {
                return null;
            }
            return new Size(Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2)));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Puts the terminal on {@code fd} in raw mode (as cfmakeraw(3)); close the result to restore it. */
    public static RawMode makeRaw(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(TERMIOS_SIZE);
            if ((int) TCGETATTR.invokeExact(fd, t) != 0) {
                throw new IllegalStateException("fd " + fd + " is not a terminal");
            }
            byte[] saved = t.toArray(ValueLayout.JAVA_BYTE);
            CFMAKERAW.invokeExact(t);
            if ((int) TCSETATTR.invokeExact(fd, TCSANOW, t) != 0) {
                throw new IllegalStateException("tcsetattr failed on fd " + fd);
            }
            return new RawMode(fd, saved);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
