package dev.berth.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A copy of a file in memory (memfd_create(2)) that can no longer be written, grown or shrunk (its seals), kept
 * open for this process's lifetime: a program run from {@link #path} is exactly what was copied, whatever happens
 * to the original, and no process that reaches it through /proc can change it.
 */
public final class SealedFile {
    private static final MethodHandle MEMFD_CREATE = Native.handle("memfd_create",
            FunctionDescriptor.of(Native.I, Native.A, Native.I));
    private static final MethodHandle FCNTL = Native.handle("fcntl", FunctionDescriptor.of(Native.I, Native.I, Native.I, Native.I),
            Linker.Option.firstVariadicArg(2));
    private static final int MFD_CLOEXEC = 0x1;
    private static final int MFD_ALLOW_SEALING = 0x2;
    private static final int MFD_EXEC = 0x10;
    private static final int EINVAL = 22;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_SEAL_SEAL = 0x1;
    private static final int F_SEAL_SHRINK = 0x2;
    private static final int F_SEAL_GROW = 0x4;
    private static final int F_SEAL_WRITE = 0x8;

    private final Path path;

    private SealedFile(Path path) {
        this.path = path;
    }

    /** Copies {@code file} into a new sealed memory file named {@code name} (as /proc shows it). */
    public static SealedFile copyOf(Path file, String name) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int fd = create(name);
        // the descriptor stays open (and close-on-exec) for as long as berthd runs: its path is this process's
        Path self = Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "fd", Integer.toString(fd));
        try (FileChannel ch = FileChannel.open(self, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        seal(fd);
        return new SealedFile(self);
    }

    /** Where the copy can be opened or executed from (a path under /proc of this process). */
    public Path path() {
        return path;
    }

    private static int create(String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            MemorySegment n = a.allocateFrom(name);
            int fd = (int) MEMFD_CREATE.invokeExact(state, n, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
            if (fd < 0 && Native.errno(state) == EINVAL) {
                fd = (int) MEMFD_CREATE.invokeExact(state, n, MFD_CLOEXEC | MFD_ALLOW_SEALING); // before Linux 6.3
            }
            if (fd < 0) {
                throw Libc.error("memfd_create", Native.errno(state));
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void seal(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            int rc = (int) FCNTL.invokeExact(state, fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
            if (rc != 0) {
                throw Libc.error("fcntl(F_ADD_SEALS)", Native.errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
