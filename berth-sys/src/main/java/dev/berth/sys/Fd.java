package dev.berth.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * An open file descriptor and the {@code *at} calls made relative to it, so that a path is never
 * looked up again between checking a file and acting on it. {@link #openInRoot} resolves a path
 * with openat2(2) and RESOLVE_IN_ROOT: symlinks and {@code ..} are resolved as if the directory
 * were the root (a container's view of its filesystem), atomically, never leaving it.
 */
public final class Fd implements AutoCloseable {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    public static final int ENOTDIR = 20;
    public static final int EEXIST = 17;
    public static final int ELOOP = 40;
    public static final int EISDIR = 21;
    public static final int ENOTEMPTY = 39;
    public static final int ENAMETOOLONG = 36;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_IN_ROOT = 0x10;
    private static final long SYS_OPENAT2 = 437;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_REMOVEDIR = 0x200;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC = 0x7ff;

    private static final StructLayout CAPTURE = Native.CAPTURE;
    private static final ValueLayout.OfInt I = Native.I;
    private static final ValueLayout.OfLong L = Native.L;
    private static final ValueLayout A = Native.A;
    private static final MethodHandle SYSCALL4 = Native.handle("syscall", FunctionDescriptor.of(L, L, I, A, A, L),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle OPENAT = Native.handle("openat", FunctionDescriptor.of(I, I, A, I, I), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle STATX = handle("statx", FunctionDescriptor.of(I, I, A, I, I, A));
    private static final MethodHandle READLINKAT = handle("readlinkat", FunctionDescriptor.of(L, I, A, A, L));
    private static final MethodHandle MKDIRAT = handle("mkdirat", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle SYMLINKAT = handle("symlinkat", FunctionDescriptor.of(I, A, I, A));
    private static final MethodHandle MKNODAT = handle("mknodat", FunctionDescriptor.of(I, I, A, I, L));
    private static final MethodHandle LINKAT = handle("linkat", FunctionDescriptor.of(I, I, A, I, A, I));
    private static final MethodHandle UNLINKAT = handle("unlinkat", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle FCHOWNAT = handle("fchownat", FunctionDescriptor.of(I, I, A, I, I, I));
    private static final MethodHandle CHMOD = handle("chmod", FunctionDescriptor.of(I, A, I));
    private static final MethodHandle UTIMENSAT = handle("utimensat", FunctionDescriptor.of(I, I, A, A, I));

    private final int fd;
    private boolean closed;

    private Fd(int fd) {
        this.fd = fd;
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return Native.handle(name, fd);
    }

    /** What statx(2) reports about a file (times in nanoseconds since the epoch). */
    public record Stat(int mode, int uid, int gid, long size, long mtimeNanos, long atimeNanos, int rdevMajor, int rdevMinor,
                       long nlink, long ino, int devMajor, int devMinor) {
        public int type() {
            return mode & 0170000;
        }

        public boolean isDir() {
            return type() == 0040000;
        }

        public boolean isRegular() {
            return type() == 0100000;
        }

        public boolean isSymlink() {
            return type() == 0120000;
        }
    }

    @FunctionalInterface
    private interface Call {
        long run(Arena a, MemorySegment state) throws Throwable;
    }

    private static long call(String what, Call c) throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            long rc = c.run(a, st);
            if (rc < 0) {
                throw Libc.error(what, Native.errno(st));
            }
            return rc;
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Opens a directory (usually a root to resolve paths in) by its host path. */
    public static Fd openDirectory(Path dir) throws Libc.ErrnoException {
        String p = dir.toString();
        return new Fd((int) call("open " + p, (a, st) -> (int) OPENAT.invokeExact(st, AT_FDCWD, a.allocateFrom(p),
                O_PATH | O_DIRECTORY | O_CLOEXEC, 0)));
    }

    /**
     * openat2(2) of {@code path} with this descriptor as the root: every symlink and {@code ..} is
     * resolved inside it, and magic links ({@code /proc/self/fd/...}) are refused. With
     * {@code O_NOFOLLOW} a final symlink is opened itself (with {@code O_PATH}).
     */
    public Fd openInRoot(String path, int flags, int mode) throws Libc.ErrnoException {
        String p = path.isEmpty() ? "/" : path;
        return new Fd((int) call("openat2 " + p, (a, st) -> {
            MemorySegment how = a.allocate(24);
            how.set(L, 0, (long) (flags | O_CLOEXEC));
            how.set(L, 8, (long) mode);
            how.set(L, 16, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
            return (long) SYSCALL4.invokeExact(st, SYS_OPENAT2, fd, a.allocateFrom(p), how, 24L);
        }));
    }

    /** openat(2) of one entry of this directory; {@code name} must be a single component. */
    public Fd openAt(String name, int flags, int mode) throws Libc.ErrnoException {
        checkName(name);
        return new Fd((int) call("openat " + name, (a, st) -> (int) OPENAT.invokeExact(st, fd, a.allocateFrom(name),
                flags | O_CLOEXEC, mode)));
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a single path component: " + name);
        }
    }

    /** statx(2) of this descriptor itself (a symlink opened with O_PATH|O_NOFOLLOW is described as a symlink). */
    public Stat stat() throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment sx = a.allocate(256);
            int rc = (int) STATX.invokeExact(st, fd, a.allocateFrom(""), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC, sx);
            if (rc != 0) {
                throw Libc.error("statx", Native.errno(st));
            }
            return new Stat(Short.toUnsignedInt(sx.get(ValueLayout.JAVA_SHORT, 28)), sx.get(I, 20), sx.get(I, 24), sx.get(L, 40),
                    time(sx, 112), time(sx, 64), sx.get(I, 128), sx.get(I, 132), Integer.toUnsignedLong(sx.get(I, 16)),
                    sx.get(L, 32), sx.get(I, 136), sx.get(I, 140));
        } catch (Libc.ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long time(MemorySegment sx, long off) {
        return sx.get(L, off) * 1_000_000_000L + Integer.toUnsignedLong(sx.get(I, off + 8));
    }

    /** The target of the symlink this descriptor (O_PATH|O_NOFOLLOW) refers to. */
    public String readlink() throws Libc.ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4097);
            long n = call("readlinkat", (x, st) -> (long) READLINKAT.invokeExact(st, fd, x.allocateFrom(""), buf, 4096L));
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * {@code /proc/self/fd/N}: reopens or lists exactly this file (the kernel follows the
     * descriptor, not a path). Only for regular files and directories, never for devices or FIFOs.
     */
    public Path procPath() {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** Entry names of this directory, sorted by name as Go's WalkDir visits them (an O_PATH descriptor too: /proc reopens it). */
    public List<String> list() throws IOException {
        try (Stream<Path> s = Files.list(procPath())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The entry {@code name} of this directory as it is (a final symlink not followed), or null when there is none. */
    public Stat lstatAt(String name) throws Libc.ErrnoException {
        try (Fd f = openAt(name, O_PATH | O_NOFOLLOW, 0)) {
            return f.stat();
        } catch (Libc.ErrnoException e) {
            if (e.errno() == Libc.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    /** The host path the kernel has for this file, e.g. to express it relative to a root. */
    public String hostPath() throws java.io.IOException {
        return java.nio.file.Files.readSymbolicLink(procPath()).toString();
    }

    public void mkdirAt(String name, int mode) throws Libc.ErrnoException {
        checkName(name);
        call("mkdir " + name, (a, st) -> (int) MKDIRAT.invokeExact(st, fd, a.allocateFrom(name), mode));
    }

    public void symlinkAt(String name, String target) throws Libc.ErrnoException {
        checkName(name);
        call("symlink " + name, (a, st) -> (int) SYMLINKAT.invokeExact(st, a.allocateFrom(target), fd, a.allocateFrom(name)));
    }

    public void mknodAt(String name, int mode, int major, int minor) throws Libc.ErrnoException {
        checkName(name);
        call("mknod " + name, (a, st) -> (int) MKNODAT.invokeExact(st, fd, a.allocateFrom(name), mode, Libc.makedev(major, minor)));
    }

    /** Makes {@code name} in this directory a hard link to the file {@code source} refers to. */
    public void linkAt(Fd source, String name) throws Libc.ErrnoException {
        checkName(name);
        call("link " + name, (a, st) -> (int) LINKAT.invokeExact(st, source.fd, a.allocateFrom(""), fd, a.allocateFrom(name), AT_EMPTY_PATH));
    }

    /** Removes one entry of this directory (an empty directory when {@code dir}). */
    public void unlinkAt(String name, boolean dir) throws Libc.ErrnoException {
        checkName(name);
        call("unlink " + name, (a, st) -> (int) UNLINKAT.invokeExact(st, fd, a.allocateFrom(name), dir ? AT_REMOVEDIR : 0));
    }

    /** Changes the owner of this file itself (a symlink's own owner). */
    public void chown(int uid, int gid) throws Libc.ErrnoException {
        call("chown", (a, st) -> (int) FCHOWNAT.invokeExact(st, fd, a.allocateFrom(""), uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
    }

    /** Changes the mode of this file (not of a symlink: links have no mode of their own). */
    public void chmod(int mode) throws Libc.ErrnoException {
        String p = procPath().toString();
        call("chmod", (a, st) -> (int) CHMOD.invokeExact(st, a.allocateFrom(p), mode));
    }

    /** Sets access and modification times of this file (not of a symlink). */
    public void utimes(long atimeNanos, long mtimeNanos) throws Libc.ErrnoException {
        String p = procPath().toString();
        call("utimensat", (a, st) -> {
            MemorySegment ts = a.allocate(L, 4);
            ts.setAtIndex(L, 0, Math.floorDiv(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(L, 1, Math.floorMod(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(L, 2, Math.floorDiv(mtimeNanos, 1_000_000_000L));
            ts.setAtIndex(L, 3, Math.floorMod(mtimeNanos, 1_000_000_000L));
            return (int) UTIMENSAT.invokeExact(st, AT_FDCWD, a.allocateFrom(p), ts, 0);
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(a.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
