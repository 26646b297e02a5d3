package dev.berth.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The few libc calls the JDK lacks, through the Foreign Function &amp; Memory API (no JNI). */
public final class Libc {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_REMOUNT = 32;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final int MNT_DETACH = 2;
    public static final int EINVAL = 22;
    public static final int ENOENT = 2;
    public static final int EBUSY = 16;
    public static final int EPERM = 1;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    /** File type bits of {@code st_mode}, for {@link #mknod}. */
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    private static final MethodHandle MOUNT = downcall("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = downcall("umount2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle MKNOD = downcall("mknod", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSETXATTR = downcall("lsetxattr", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle LGETXATTR = downcall("lgetxattr", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CHMOD = downcall("chmod", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle LCHOWN = downcall("lchown", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UTIMENSAT = downcall("utimensat", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle KILL = downcall("kill", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SHUTDOWN = downcall("shutdown", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle MMAP = downcall("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = Native.LINKER.downcallHandle(Native.LIBC.find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle SCHED_SETSCHEDULER = downcall("sched_setscheduler", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final int SCHED_OTHER = 0;
    private static final int SCHED_BATCH = 3;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    /** shutdown(2)'s "no more writes". */
    public static final int SHUT_WR = 1;
    /** SIGWINCH: the terminal's window size changed. */
    public static final int SIGWINCH = 28;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final MethodHandle STRERROR = Native.LINKER.downcallHandle(Native.LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Libc() {}

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return Native.handle(name, fd);
    }

    /** mount(2); {@code source}, {@code fstype} and {@code data} may be null. */
    public static void mount(String source, String target, String fstype, long flags, String data) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            int rc = (int) MOUNT.invokeExact(state, str(a, source), str(a, target), str(a, fstype), flags, str(a, data));
            if (rc != 0) {
                throw error("mount " + target, Native.errno(state));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** umount2(2). */
    public static void umount2(String target, int flags) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            int rc = (int) UMOUNT2.invokeExact(state, str(a, target), flags);
            if (rc != 0) {
                throw error("umount " + target, Native.errno(state));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** mknod(2): {@code mode} holds the file type ({@link #S_IFCHR}, ...) and permission bits. */
    public static void mknod(String path, int mode, int major, int minor) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            int rc = (int) MKNOD.invokeExact(state, a.allocateFrom(path), mode, makedev(major, minor));
            if (rc != 0) {
                throw error("mknod " + path, Native.errno(state));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * chmod(2) by path, without opening the file (the JDK opens it, which blocks on a FIFO and
     * opens devices). Follows a final symlink: do not call it on one.
     */
    public static void chmod(String path, int mode) throws ErrnoException {
        call("chmod " + path, a -> (int) CHMOD.invokeExact(a.state, a.arena.allocateFrom(path), mode));
    }

    /** lchown(2): changes the owner of a path, not of what a final symlink points to. */
    public static void lchown(String path, int uid, int gid) throws ErrnoException {
        call("lchown " + path, a -> (int) LCHOWN.invokeExact(a.state, a.arena.allocateFrom(path), uid, gid));
    }

    /** utimensat(2) with AT_SYMLINK_NOFOLLOW: sets access and modification times, in nanoseconds since the epoch. */
    public static void lutimes(String path, long atimeNanos, long mtimeNanos) throws ErrnoException {
        call("utimensat " + path, a -> {
            MemorySegment ts = a.arena.allocate(ValueLayout.JAVA_LONG, 4);
            ts.setAtIndex(ValueLayout.JAVA_LONG, 0, Math.floorDiv(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 1, Math.floorMod(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 2, Math.floorDiv(mtimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 3, Math.floorMod(mtimeNanos, 1_000_000_000L));
            return (int) UTIMENSAT.invokeExact(a.state, AT_FDCWD, a.arena.allocateFrom(path), ts, AT_SYMLINK_NOFOLLOW);
        });
    }

    /** kill(2): sends {@code signal} to process {@code pid}. */
    public static void kill(long pid, int signal) throws ErrnoException {
        call("kill " + pid, a -> (int) KILL.invokeExact(a.state, (int) pid, signal));
    }

    /**
     * Puts the calling thread under SCHED_BATCH (sched(7)), or back under SCHED_OTHER: a batch thread
     * that wakes up does not preempt the thread running on that core, so a thread woken for every
     * small piece of input leaves a busy peer (a client producing that input) its slices. Switching
     * between the two needs no privilege. Threads and processes a batch thread starts inherit the
     * policy (SCHED_RESET_ON_FORK only resets privileged ones), so it must start none, not even
     * indirectly: a virtual thread it wakes can make the scheduler's pool add a carrier thread from it.
     */
    public static void batchScheduling(boolean batch) throws ErrnoException {
        call("sched_setscheduler", a -> (int) SCHED_SETSCHEDULER.invokeExact(a.state, 0, batch ? SCHED_BATCH : SCHED_OTHER, a.arena.allocate(4)));
    }

    /** shutdown(2) of a socket descriptor. */
    public static void shutdown(int fd, int how) throws ErrnoException {
        call("shutdown", a -> (int) SHUTDOWN.invokeExact(a.state, fd, how));
    }

    /**
     * {@code size} bytes of private anonymous memory from mmap(2), unmapped when {@code owner} closes.
     * Unlike malloc'd memory (what {@link Arena#allocate} gives), its pages go back to the system as
     * soon as it is unmapped instead of staying in a malloc arena.
     */
    public static MemorySegment mapAnonymous(long size, Arena owner) throws ErrnoException {
        MemorySegment addr;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            addr = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, size, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (addr.address() == -1L) {
                throw error("mmap of " + size + " bytes", Native.errno(state));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        long base = addr.address();
        return addr.reinterpret(size, owner, s -> unmap(base, size));
    }

    private static void unmap(long address, long size) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
            if (rc != 0) {
                throw new IllegalStateException("munmap failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private record CallContext(Arena arena, MemorySegment state) {}

    @FunctionalInterface
    private interface Call {
        int run(CallContext c) throws Throwable;
    }

    private static void call(String what, Call call) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            int rc = call.run(new CallContext(a, state));
            if (rc != 0) {
                throw error(what, Native.errno(state));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** glibc's makedev(3) encoding of a device number. */
    static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    /** lsetxattr(2): sets an extended attribute without following a final symlink. */
    public static void lsetxattr(String path, String name, byte[] value) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int rc = (int) LSETXATTR.invokeExact(state, a.allocateFrom(path), a.allocateFrom(name), v, (long) value.length, 0);
            if (rc != 0) {
                throw error("setxattr " + name + " on " + path, Native.errno(state));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** lgetxattr(2): the attribute's value, or null when the file does not have it. */
    public static byte[] lgetxattr(String path, String name) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Native.CAPTURE);
            MemorySegment buf = a.allocate(65536);
            long n = (long) LGETXATTR.invokeExact(state, a.allocateFrom(path), a.allocateFrom(name), buf, 65536L);
            if (n < 0) {
                int errno = Native.errno(state);
                if (errno == ENODATA) {
                    return null;
                }
                throw error("getxattr " + name + " on " + path, errno);
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment str(Arena a, String s) {
        return s == null ? MemorySegment.NULL : a.allocateFrom(s);
    }

    static ErrnoException error(String what, int errno) {
        String msg;
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            msg = p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            msg = "errno " + errno;
        }
        return new ErrnoException(what + ": " + msg, errno);
    }

    /** A failed system call, with its errno. */
    public static final class ErrnoException extends IOException {
        private final int errno;

        public ErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
