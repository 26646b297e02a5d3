package dev.berth.daemon.build;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The larger files of recent build contexts, kept in memory by path with their sha256, so that a
 * file sent again byte for byte is compared instead of hashed: a comparison runs several times
 * faster than SHA-256, and a rebuild resends mostly what it sent before. Equality is checked on
 * every byte, so a checksum is only ever reused for identical contents. Bounded in bytes (least
 * recently used files go first) and emptied when no build used it for a while.
 *
 * <p>It also retains the last whole context body that was indexed ({@link RetainedContext}, in the
 * spool memory it arrived in, up to the same limit), so that a body sent again unchanged, the
 * common rebuild, is compared as it arrives and not parsed at all.
 */
final class ContextMemo {
    /** Files smaller than this are hashed: their checksum costs less than keeping them. */
    static final long MIN_SIZE = 64 << 10;
    /** How long the memo stays after the last build that used it. */
    static final java.time.Duration IDLE = java.time.Duration.ofMinutes(10);

    /** One remembered file; its memory is unmapped once it is dropped and no build reads it. */
    static final class Entry {
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
    /** By path, least recently used first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long held; // bytes of entries and recordings
    /** The last context body indexed, if it fit within the limit; its memory is the budget's, not counted in {@link #held}. */
    private RetainedContext retained;
    /** A build used the memo: it stays for another idle period, then everything goes. */
    private final IdleTimer idle;

    ContextMemo(long limitBytes, java.time.Duration idle) {
        this.limit = limitBytes;
        this.idle = new IdleTimer(idle, this::clear);
    }

    /** The remembered file at {@code path} if it has {@code size} bytes, held for reading until {@link #done}. */
    synchronized Entry find(String path, long size) {
        idle.touch();
        Entry e = entries.get(path);
        if (e == null || e.size != size) {
            return null;
        }
        e.readers++;
        return e;
    }

    /** The caller no longer reads {@code e}'s bytes. */
    synchronized void done(Entry e) {
        e.readers--;
        freeIfUnused(e);
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
            // what the new file replaces, then the least recently used, make room
            Entry old = entries.remove(path);
            if (old != null) {
                drop(old);
            }
            var it = entries.values().iterator();
            while (held + size > limit && it.hasNext()) {
                Entry e = it.next();
                it.remove();
                drop(e);
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

    /** A hold on the last context body indexed, or null; the caller releases it. */
    synchronized RetainedContext retained() {
        idle.touch();
        return retained == null ? null : retained.share();
    }

    /**
     * Keeps {@code r} as the last context (taking over the caller's hold) in place of the one before;
     * a body larger than the memo's limit is not kept.
     */
    synchronized void retain(RetainedContext r) {
        idle.touch();
        if (r.length() > limit) {
            r.release();
            return;
        }
        forgetRetained();
        retained = r;
    }

    /** Lets go of the last context; false when there was none. */
    synchronized boolean forgetRetained() {
        if (retained == null) {
            return false;
        }
        retained.release();
        retained = null;
        return true;
    }

    /** Bytes held, for tests and debugging. */
    synchronized long held() {
        return held;
    }

    /** Files remembered, by path. */
    synchronized Map<String, Long> sizes() {
        Map<String, Long> m = new HashMap<>();
        entries.forEach((p, e) -> m.put(p, e.size));
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
