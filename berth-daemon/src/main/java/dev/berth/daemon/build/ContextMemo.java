package dev.berth.daemon.build;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The larger files of recent build contexts, kept in memory by path with their sha256, so that a
 * file sent again byte for byte is compared instead of hashed: a comparison runs several times
 * faster than SHA-256, and a rebuild resends mostly what it sent before. Equality is checked on
 * every byte, so a checksum is only ever reused for identical contents.
 *
 * <p>The files of the last context indexed are remembered where they already are: the memo retains
 * that whole body ({@link RetainedContext}, in the spool memory it arrived in), which also lets a
 * body sent again unchanged, the common rebuild, be compared as it arrives and not parsed at all.
 * Other files are copies in mapped memory: files hashed while a body is read are copied as they
 * stream by, a copy that the retained body makes redundant is dropped, and the files of a body
 * that stops being retained are copied out of it if they fit. Each file is held once; everything
 * together is bounded in bytes (copies least recently used go first, then the retained body, but
 * only for a file of another context) and goes when no build used the memo for a while.
 */
final class ContextMemo {
    /** Files smaller than this are hashed: their checksum costs less than keeping them. */
    static final long MIN_SIZE = 64 << 10;
    /** How long the memo stays after the last build that used it. */
    static final java.time.Duration IDLE = java.time.Duration.ofMinutes(10);

    /** A remembered file's bytes, held for reading until {@link #done}. */
    interface Remembered {
        long size();

        String digest();

        /** Whether {@code in} equals the file's bytes from {@code pos} on. */
        boolean matches(long pos, MemorySegment in);

        /** Hands the file's first {@code n} bytes to {@code sink}, in order. */
        void prefix(long n, Consumer<MemorySegment> sink);

        /** The caller no longer reads the bytes. */
        void done();
    }

    /** One copied file; its memory is unmapped once it is dropped and no build reads it. */
    final class Entry implements Remembered {
        final String path;
        final long size;
        final String digest;
        final MemorySegment bytes;
        private final Arena arena;
        private int readers;
        private boolean dropped;

        private Entry(String path, long size, String digest, MemorySegment bytes, Arena arena) {
            this.path = path;
            this.size = size;
            this.digest = digest;
            this.bytes = bytes;
            this.arena = arena;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public String digest() {
            return digest;
        }

        @Override
        public boolean matches(long pos, MemorySegment in) {
            return pos + in.byteSize() <= size && in.mismatch(bytes.asSlice(pos, in.byteSize())) < 0;
        }

        @Override
        public void prefix(long n, Consumer<MemorySegment> sink) {
            sink.accept(bytes.asSlice(0, n));
        }

        @Override
        public void done() {
            synchronized (ContextMemo.this) {
                readers--;
                freeIfUnused(this);
            }
        }
    }

    /** A file being recorded as it streams by; {@link #commit} makes it an entry. */
    final class Recording {
        private final String path;
        private final Arena arena;
        private final MemorySegment bytes;
        private long written;

        private Recording(String path, Arena arena, MemorySegment bytes) {
            this.path = path;
            this.arena = arena;
            this.bytes = bytes;
        }

        /** Appends the next bytes of the file. */
        void write(MemorySegment part) {
            MemorySegment.copy(part, 0, bytes, written, part.byteSize());
            written += part.byteSize();
        }

        void write(byte[] b, int off, int len) {
            write(MemorySegment.ofArray(b).asSlice(off, len));
        }

        /** The whole file went by with this checksum: later builds may find it. */
        void commit(String digest) {
            if (written != bytes.byteSize()) {
                abandon();
                return;
            }
            install(new Entry(path, written, digest, bytes, arena));
        }

        /** The file is not remembered after all (a read failed). */
        void abandon() {
            release(bytes.byteSize());
            arena.close();
        }
    }

    private final long limit;
    /** Copies by path, least recently used first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long held; // bytes of copies, recordings and the retained body
    /** The last context body indexed, if it fit within the limit. */
    private RetainedContext retained;
    /** A build used the memo: it stays for another idle period, then everything goes. */
    private final IdleTimer idle;

    ContextMemo(long limitBytes, java.time.Duration idle) {
        this.limit = limitBytes;
        this.idle = new IdleTimer(idle, this::clear);
    }

    /**
     * The remembered file at {@code path} if it has {@code size} bytes, held for reading until its
     * {@link Remembered#done}: the retained body's file of that path, else a copy.
     */
    synchronized Remembered find(String path, long size) {
        idle.touch();
        if (retained != null) {
            RetainedContext.File f = retained.file(path, size);
            if (f != null) {
                return f;
            }
        }
        Entry e = entries.get(path);
        if (e == null || e.size != size) {
            return null;
        }
        e.readers++;
        return e;
    }

    /** Starts recording a file of {@code size} bytes; null when it is too small or does not fit. */
    Recording record(String path, long size) {
        if (size < MIN_SIZE) {
            return null;
        }
        synchronized (this) {
            idle.touch();
            if (size > limit) {
                return null;
            }
            // what the new file replaces, then the least recently used copies make room
            Entry old = entries.remove(path);
            if (old != null) {
                drop(old);
            }
            evictCopiesFor(size);
            if (held + size > limit && retained != null && !retained.has(path)) {
                /*
                 * The retained body goes for a file of another context. Not for one of its own paths: that is a
                 * rebuild of the same context, whose body will be retained when its parse ends, changed file
                 * and all, while its other files are still being compared with this one.
                 */
                forgetRetained();
            }
            if (held + size > limit) {
                return null; // recordings of concurrent builds hold the rest
            }
            held += size;
        }
        Arena arena = Arena.ofShared();
        try {
            // mapped, not malloc'd: dropped files must leave the process, not a malloc arena
            return new Recording(path, arena, dev.berth.sys.Libc.mapAnonymous(size, arena));
        } catch (dev.berth.sys.Libc.ErrnoException e) {
            arena.close();
            release(size);
            return null;
        }
    }

    /** Drops copies, least recently used first, until {@code size} more bytes fit (or none is left). */
    private void evictCopiesFor(long size) {
        var it = entries.values().iterator();
        while (held + size > limit && it.hasNext()) {
            Entry e = it.next();
            it.remove();
            drop(e);
        }
    }

    /** A hold on the last context body indexed, or null; the caller releases it. */
    synchronized RetainedContext retained() {
        idle.touch();
        return retained == null ? null : retained.share();
    }

    /**
     * Keeps {@code r} as the last context in place of the one before, taking over the caller's hold. Its
     * files' copies go (it holds them now), and the files of the body it replaces that it does not have
     * are copied out of that body, as far as they fit without dropping anything. A body larger than the
     * limit is not kept.
     */
    synchronized void retain(RetainedContext r) {
        idle.touch();
        if (r.length() > limit) {
            r.release();
            return;
        }
        RetainedContext old = retained;
        if (old != null) {
            held -= old.length();
        }
        retained = null;
        r.files((path, size) -> {
            Entry e = entries.remove(path);
            if (e != null) {
                drop(e);
            }
        });
        evictCopiesFor(r.length());
        retained = r;
        held += r.length();
        if (old != null) {
            old.files((path, size) -> {
                if (!r.has(path) && !entries.containsKey(path) && held + size <= limit) {
                    copyOut(old, path, size);
                }
            });
            old.release();
        }
    }

    /** Copies a file of a body that is no longer retained into an entry of its own. */
    private void copyOut(RetainedContext from, String path, long size) {
        RetainedContext.File f = from.file(path, size);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment bytes = dev.berth.sys.Libc.mapAnonymous(size, arena);
            long[] at = {0};
            f.prefix(size, part -> {
                MemorySegment.copy(part, 0, bytes, at[0], part.byteSize());
                at[0] += part.byteSize();
            });
            held += size;
            entries.put(path, new Entry(path, size, f.digest(), bytes, arena));
        } catch (dev.berth.sys.Libc.ErrnoException e) {
            arena.close(); // out of memory: the file is simply not remembered
        } finally {
            f.done();
        }
    }

    /** Lets go of the last context; false when there was none. */
    synchronized boolean forgetRetained() {
        if (retained == null) {
            return false;
        }
        held -= retained.length();
        retained.release();
        retained = null;
        return true;
    }

    /** Bytes held, for tests and debugging. */
    synchronized long held() {
        return held;
    }

    /** Files remembered, by path: copies and the retained body's. */
    synchronized Map<String, Long> sizes() {
        Map<String, Long> m = new HashMap<>();
        entries.forEach((p, e) -> m.put(p, e.size));
        if (retained != null) {
            retained.files(m::put);
        }
        return m;
    }

    private synchronized void install(Entry e) {
        Entry old = entries.put(e.path, e);
        if (old != null) {
            drop(old);
        }
    }

    private synchronized void release(long size) {
        held -= size;
    }

    private void drop(Entry e) {
        e.dropped = true;
        held -= e.size;
        freeIfUnused(e);
    }

    private static void freeIfUnused(Entry e) {
        if (e.dropped && e.readers == 0) {
            e.arena.close();
        }
    }

    /** Forgets every file (held ones are freed once their readers are done). */
    synchronized void clear() {
        entries.values().forEach(this::drop);
        entries.clear();
        forgetRetained();
    }
}
