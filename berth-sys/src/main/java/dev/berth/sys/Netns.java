package dev.berth.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Network namespaces kept alive by a bind mount on a file, made and entered without a helper
 * process. Namespaces belong to threads, so each operation runs on a fresh platform thread that
 * ends with it: a thread left inside another namespace can never leak into other work.
 */
public final class Netns {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final MethodHandle UNSHARE = downcall("unshare", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Netns() {}

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return Native.handle(name, fd);
    }

    /** Makes a new network namespace (loopback only, down) and pins it on {@code file}, which is created. */
    public static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        onOwnThread(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = a.allocate(Native.CAPTURE);
                int rc = (int) UNSHARE.invokeExact(st, CLONE_NEWNET);
                if (rc != 0) {
                    throw Libc.error("unshare(CLONE_NEWNET)", Native.errno(st));
                }
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            Libc.mount("/proc/thread-self/ns/net", file.toString(), null, Libc.MS_BIND, null);
            return null;
        });
    }

    /** Unpins a namespace made by {@link #create}; it dies when the last process in it is gone. */
    public static void delete(Path file) throws IOException {
        try {
            Libc.umount2(file.toString(), Libc.MNT_DETACH);
        } catch (Libc.ErrnoException e) {
            if (e.errno() != Libc.EINVAL && e.errno() != Libc.ENOENT) {
                throw e;
            }
        }
        Files.deleteIfExists(file);
    }

    /**
     * Runs {@code work} inside the namespace pinned on {@code file}. Sockets it opens stay in that
     * namespace after it returns; processes it starts run in it.
     */
    public static <T> T inside(Path file, Callable<T> work) throws IOException {
        return onOwnThread(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = a.allocate(Native.CAPTURE);
                int fd = (int) OPEN.invokeExact(st, a.allocateFrom(file.toString()), O_RDONLY_CLOEXEC);
                if (fd < 0) {
                    throw Libc.error("open " + file, Native.errno(st));
                }
                int rc = (int) SETNS.invokeExact(st, fd, CLONE_NEWNET);
                int errno = Native.errno(st);
                int ignored = (int) CLOSE.invokeExact(st, fd);
                if (rc != 0) {
                    throw Libc.error("setns " + file, errno);
                }
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            return work.call();
        });
    }

    private static <T> T onOwnThread(Callable<T> work) throws IOException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().name("netns").start(() -> {
            try {
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        } else if (f instanceof RuntimeException re) {
            throw re;
        } else if (f != null) {
            throw new IOException(f);
        }
        return result.get();
    }
}
