package dev.berth.daemon.build;

import dev.berth.dockerfile.ContextFiles;
import dev.berth.oci.Digest;
import dev.berth.oci.InvalidLayerException;
import dev.berth.oci.LayerArchive;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The build context as its tar describes it, read in one pass as the body streams in: every
 * entry's type, mode, size, mtime and link target, and every file's sha256, with the tar kept as
 * one spooled file. The tree is the one {@link LayerArchive#extract} would write (later entries
 * replace earlier ones, missing parents appear as 0755 directories, whiteout names hide), and the
 * same hostile entries are refused before anything is used. A fully cached build never writes the
 * files out; the first step that needs them on disk ({@link #layers()}) extracts the spool.
 */
final class ContextIndex extends FileView {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ContextIndex.class.getName());

    /** One path of the tree; a hard link shares its target's node as it shares the inode. */
    private static final class Node {
        ContextFiles.Kind kind;
        int mode;
        long size;
        long mtime;
        String link;
        String digest;
        int ordinal = -1; // the tar entry whose data are this file's contents
        long offset = -1; // where those data start in the body, when it is not compressed
        byte[] bytes; // the contents, for the few files read at once
        Map<String, Node> children;

        Node(ContextFiles.Kind kind) {
            this.kind = kind;
            if (kind == ContextFiles.Kind.DIR) {
                children = new TreeMap<>();
            }
        }
    }

    private Node root = new Node(ContextFiles.Kind.DIR); // the retained index's when the body repeats it
    private final ContextSpool spool; // null for a preview: no bytes to read
    private final WorkDir work;
    private final Path dir;
    private final java.util.Set<String> dropped = new java.util.HashSet<>(); // paths hidden from the view, the tree unchanged
    private boolean written;
    private volatile boolean replayed;
    private java.util.function.Consumer<Snapshot> halfway; // the reader's only

    private ContextIndex(ContextSpool spool, WorkDir work) {
        this.spool = spool;
        this.work = work;
        this.dir = work.path().resolve("files");
        root.mode = 0755;
        root.mtime = System.currentTimeMillis();
    }

    /**
     * The tree of a retained body, for a {@link BuildPreview} while a body that may repeat it arrives: its
     * entries and checksums only. Anything that needs a file's bytes (other than those kept in memory) or
     * the files on disk throws {@link BuildPreview.Miss}.
     */
    static ContextIndex preview(Snapshot retained, WorkDir work) {
        ContextIndex index = new ContextIndex(null, work);
        index.root = retained.root;
        return index;
    }

    /** Whether the body was {@code retained}'s, byte for byte: a preview of that snapshot saw this very tree. */
    boolean repeats(Snapshot retained) {
        return replayed && root == retained.root;
    }

    /**
     * Reads a context tar (any compression) to its end. One platform thread reads the body into
     * {@code spool} (a body read off the socket blocks in poll(2), which must not pin a virtual
     * thread's carrier) while another parses and checksums the same chunks, so the two costs overlap;
     * the index and every checksum are ready on return. The files are written under {@code work} only
     * when {@link #layers()} is called. The index owns the spool from here on.
     *
     * <p>Both threads run under SCHED_BATCH ({@link dev.berth.sys.Libc#batchScheduling}): the client
     * sending the context (the docker CLI: a tar writer and an HTTP writer) shares the cores with
     * them, and a reader woken by every few KiB that arrive would otherwise preempt it each time. A
     * cached build of a 50 MB context took ~10% less time, and the CLI a third fewer context switches.
     *
     * @param keep relative paths whose contents are kept in memory (the Dockerfile, .dockerignore)
     * @throws InvalidLayerException when the archive is malformed or hostile; the rest of the body is then left unread
     */
    static ContextIndex read(InputStream body, ContextSpool spool, WorkDir work, java.util.Set<String> keep) throws IOException {
        return read(body, spool, work, keep, null);
    }

    /**
     * {@link #read}, calling {@code halfway} (on the reading thread, under the normal policy; it must not block) with the
     * retained body's tree once the first half of the body has turned out to be the retained one's.
     */
    static ContextIndex read(InputStream body, ContextSpool spool, WorkDir work, java.util.Set<String> keep,
                             java.util.function.Consumer<Snapshot> halfway) throws IOException {
        ContextIndex index = new ContextIndex(spool, work);
        index.halfway = halfway;
        Chunks chunks = new Chunks();
        var pool = spool.workers();
        long[] timings = new long[3];
        Worker reader = Worker.start(pool, "context-reader", () -> {
            long t0 = System.nanoTime();
            if (index.replay(body, chunks)) {
                timings[0] = System.nanoTime() - t0;
                timings[1] = timings[0];
            } else {
                fill(body, spool, chunks, timings);
            }
        }, chunks::end);
        // closing the chunks stops the reader at its next one when the parser gave up early
        Worker parser = Worker.start(pool, "context-parser", () -> {
            if (!chunks.replayed()) {
                index.parse(chunks, keep);
                index.retain();
            }
        }, chunks::close);
        try {
            parser.await();
        } catch (IOException | RuntimeException e) {
            if (reader.failed()) {
                reader.await(); // a body that broke off explains a truncated archive
            }
            throw e;
        } finally {
            reader.join();
        }
        reader.await();
        // logged here, not by the reader: a batch thread must not take the log handler's lock (see Worker)
        LOG.fine(() -> index.replayed ? String.format("context body read in %d ms, the same bytes as the last one", timings[0] / 1_000_000)
                : String.format("context body read in %d ms: reading it %d, waiting for the parser %d",
                timings[0] / 1_000_000, timings[1] / 1_000_000, timings[2] / 1_000_000));
        return index;
    }

    /**
     * One piece of {@link #read} running on a platform thread of the budget's pool under SCHED_BATCH;
     * its failure is rethrown by {@link #await}. The thread goes back to the normal policy before it
     * wakes its caller (a virtual thread: see {@link dev.berth.sys.Libc#batchScheduling}); until then
     * it takes no lock a virtual thread waits on. Pooled threads, because starting two threads cost a
     * young daemon up to a millisecond before the first byte was read, with the client blocked.
     */
    private static final class Worker {
        interface Task {
            void run() throws IOException;
        }

        private final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        private Thread thread; // while running, to interrupt

        static Worker start(java.util.concurrent.Executor pool, String name, Task task, Runnable atEnd) {
            Worker w = new Worker();
            pool.execute(() -> {
                Thread self = Thread.currentThread();
                String idleName = self.getName();
                self.setName(name);
                w.running(self);
                boolean batch = schedule(true);
                BATCH.set(batch);
                Exception failure = null;
                try {
                    task.run();
                } catch (IOException | RuntimeException e) {
                    failure = e;
                } finally {
                    if (batch) {
                        schedule(false);
                    }
                    BATCH.remove();
                    w.running(null);
                    self.setName(idleName);
                    atEnd.run();
                }
                if (failure == null) {
                    w.done.complete(null);
                } else {
                    w.done.completeExceptionally(failure);
                }
            });
            return w;
        }

        private synchronized void running(Thread t) {
            thread = t;
        }

        private synchronized void interrupt() {
            if (thread != null) {
                thread.interrupt();
            }
        }

        /** Whether the calling pool thread is running a piece under SCHED_BATCH. */
        private static final ThreadLocal<Boolean> BATCH = new ThreadLocal<>();

        /**
         * Runs {@code r} under the normal policy: for what may start a thread (a virtual thread started or woken
         * can make the scheduler's pool add a carrier, which would inherit SCHED_BATCH).
         */
        static void outsideBatch(Runnable r) {
            boolean batch = Boolean.TRUE.equals(BATCH.get());
            if (batch) {
                schedule(false);
            }
            try {
                r.run();
            } finally {
                if (batch) {
                    schedule(true);
                }
            }
        }

        /** Switches the calling thread's policy; false when the kernel refused (logged only when the thread is not batch). */
        private static boolean schedule(boolean batch) {
            try {
                dev.berth.sys.Libc.batchScheduling(batch);
                return true;
            } catch (dev.berth.sys.Libc.ErrnoException e) {
                if (batch) {
                    LOG.fine(() -> "build context thread scheduling unchanged: " + e.getMessage());
                }
                return false;
            }
        }

        /** Waits for the piece to end, interrupting it if the caller is interrupted. */
        void join() throws java.io.InterruptedIOException {
            try {
                done.handle((v, t) -> null).get();
            } catch (InterruptedException e) {
                interrupt();
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            } catch (java.util.concurrent.ExecutionException impossible) {
                throw new IllegalStateException(impossible);
            }
        }

        boolean failed() throws java.io.InterruptedIOException {
            join();
            return done.isCompletedExceptionally();
        }

        /** Waits for the piece and rethrows what failed it. */
        void await() throws IOException {
            join();
            ContextIndex.await(done);
        }
    }

    /**
     * Reads the body comparing it, as each read lands, with the last context the memo retained. When it
     * is the same bytes to the end, the spool shares the retained memory, the index takes the retained
     * tree, the parser is told to skip, and true is returned. At the first difference the spool
     * takes the equal chunks so far (shared) and the one being read (its own), the parser is handed all
     * of them, and false is returned for the reading to go on as usual.
     */
    private boolean replay(InputStream body, Chunks chunks) throws IOException {
        RetainedContext last = spool.memo().retained();
        if (last == null) {
            return false;
        }
        try {
            ContextSpool.Piece scratch = spool.take();
            return scratch != null && compare(last, scratch, ContextSpool.channel(body), chunks);
        } finally {
            last.release();
        }
    }

    /**
     * {@link #replay}'s comparison, reading into {@code scratch}, which it gives to the spool or back
     * to the budget whatever happens; true when no more is to be read.
     */
    private boolean compare(RetainedContext last, ContextSpool.Piece scratch, java.nio.channels.ReadableByteChannel ch, Chunks chunks)
            throws IOException {
        boolean spoolOwnsScratch = false;
        try {
            List<ContextSpool.Chunk> same = new ArrayList<>();
            MemorySegment mine = scratch.memory();
            for (int i = 0; ; i++) {
                MemorySegment theirs = i < last.chunks() ? last.piece(i).memory() : null;
                int theirLength = theirs == null ? -1 : last.length(i);
                java.nio.ByteBuffer bb = mine.asByteBuffer();
                boolean ended = false;
                boolean differs = false;
                while (bb.hasRemaining()) {
                    int from = bb.position();
                    int n = ch.read(bb);
                    if (n < 0) {
                        ended = true;
                        differs = from != theirLength;
                        break;
                    }
                    // compared while the bytes just read are still in the cache
                    if (from + n > theirLength || MemorySegment.mismatch(mine, from, from + n, theirs, from, from + n) >= 0) {
                        differs = true;
                        break;
                    }
                    if (halfway != null && (long) i * ContextSpool.CHUNK + from + n >= last.length() / 2) {
                        var h = halfway;
                        halfway = null;
                        Worker.outsideBatch(() -> h.accept(last.index()));
                    }
                }
                if (differs) {
                    for (ContextSpool.Chunk c : same) {
                        if (!chunks.put(c)) {
                            return true; // the parser is gone (failed): nothing more to read for it
                        }
                    }
                    spoolOwnsScratch = true; // keep gives it back itself if it fails
                    ContextSpool.Chunk c = spool.keep(scratch, bb.position(), ended, ch);
                    return !chunks.put(c) || c.length() < ContextSpool.CHUNK;
                }
                same.add(spool.share(last.piece(i), theirLength));
                if (ended) {
                    root = last.index().root;
                    replayed = true;
                    chunks.replay();
                    return true;
                }
            }
        } finally {
            if (!spoolOwnsScratch) {
                spool.giveBack(scratch);
            }
        }
    }

    /** After a parse: the memo retains this body and index when the body is all in spool memory. */
    private void retain() {
        List<ContextSpool.Chunk> all = spool.chunksInMemory();
        if (all != null) {
            spool.memo().retain(RetainedContext.of(all, spool.budget(), new Snapshot(root)));
        }
    }

    /**
     * An index's tree, for a later body with the same bytes. Never changed once parsed ({@link #drop}
     * only records what it hides), so every build that repeats the body shares it.
     */
    static final class Snapshot {
        /** Where a file's bytes are in the body, and their checksum. */
        record FileData(long offset, long size, String digest) {}

        private final Node root;
        private final Map<String, FileData> files = new java.util.HashMap<>();

        private Snapshot(Node root) {
            this.root = root;
            // the files the memo would keep whose place in the body is known; a loop, as a context may nest deep
            java.util.ArrayDeque<Map.Entry<String, Node>> dirs = new java.util.ArrayDeque<>();
            dirs.push(Map.entry("", root));
            while (!dirs.isEmpty()) {
                var dir = dirs.pop();
                for (var e : dir.getValue().children.entrySet()) {
                    Node n = e.getValue();
                    String path = dir.getKey() + e.getKey();
                    if (n.kind == ContextFiles.Kind.DIR) {
                        dirs.push(Map.entry(path + "/", n));
                    } else if (n.kind == ContextFiles.Kind.FILE && n.offset >= 0 && n.size >= ContextMemo.MIN_SIZE) {
                        files.put(path, new FileData(n.offset, n.size, n.digest));
                    }
                }
            }
        }

        /** The file at {@code path} with its place in the body, or null. */
        FileData file(String path) {
            return files.get(path);
        }

        Map<String, FileData> files() {
            return files;
        }
    }

    /**
     * Reads the body chunk by chunk into the spool, handing each to the parser, until the end or until
     * the parser stops; {@code timings} gets the nanoseconds in all, reading, and waiting for the parser.
     */
    private static void fill(InputStream body, ContextSpool spool, Chunks chunks, long[] timings) throws IOException {
        long parserWait = 0;
        long bodyRead = 0;
        long t0 = System.nanoTime();
        while (true) {
            long a = System.nanoTime();
            ContextSpool.Chunk c = spool.fill(body);
            long b = System.nanoTime();
            boolean taken = chunks.put(c);
            bodyRead += b - a;
            parserWait += System.nanoTime() - b;
            if (!taken || c.length() < ContextSpool.CHUNK) {
                timings[0] = System.nanoTime() - t0;
                timings[1] = bodyRead;
                timings[2] = parserWait;
                return;
            }
        }
    }

    private void parse(InputStream in, java.util.Set<String> keep) throws IOException {
        java.io.BufferedInputStream raw = new java.io.BufferedInputStream(in, 1 << 16);
        // a plain tar's positions are the body's, which lets the retained body serve as the memo of its files
        boolean plain = LayerArchive.detect(raw) == LayerArchive.Compression.NONE;
        Counting counted = new Counting(plain ? raw : LayerArchive.decompress(raw));
        TarArchiveInputStream tar = new TarArchiveInputStream(counted, false);
        byte[] buf = new byte[1 << 16];
        int ordinal = 0;
        while (true) {
            TarArchiveEntry e = LayerArchive.nextEntry(tar);
            if (e == null) {
                break;
            }
            add(e, ordinal++, plain ? counted.count : -1, tar, buf, keep);
        }
        LayerArchive.drain(counted);
        if (ordinal == 0 && counted.count < 1024) {
            throw new InvalidLayerException("invalid tar archive: unexpected EOF");
        }
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /**
     * Counts the uncompressed bytes taken, skipped ones too: after an entry's header, the position of its
     * data (an empty archive is refused as the extractor refuses it).
     */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            count += k;
            return k;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /**
     * The spooled chunks handed from the reading thread to the parsing thread as they are filled.
     * The queue is short so that a parser that stopped early (a refused entry) stops the reading.
     */
    private static final class Chunks extends InputStream {
        /** Sent instead of any chunk when the body repeated the retained one: there is nothing to parse. */
        private static final ContextSpool.Chunk REPLAYED = new ContextSpool.Chunk(null, new byte[0], 0);

        private final java.util.concurrent.BlockingQueue<ContextSpool.Chunk> filled = new java.util.concurrent.ArrayBlockingQueue<>(8);
        private volatile boolean closed;
        private InputStream current;
        private ContextSpool.Chunk first; // taken by replayed(), read next
        private boolean ended;

        /** The reader found the body to be the retained one: no chunk follows. */
        void replay() throws IOException {
            put(REPLAYED);
        }

        /** Waits for the first chunk; true when instead the body was a replay of the retained one. */
        boolean replayed() throws java.io.InterruptedIOException {
            try {
                first = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
            return first == REPLAYED;
        }

        /** Hands over a chunk; false when the parser is gone and wants no more. */
        boolean put(ContextSpool.Chunk c) throws IOException {
            try {
                while (!closed) {
                    if (filled.offer(c, 10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                }
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }

        /** No more chunks (also after a failure of the reading side). */
        void end() {
            try {
                put(ContextSpool.Chunk.END);
            } catch (java.io.InterruptedIOException e) {
                closed = true; // the parser is interrupted by the caller next
            } catch (IOException impossible) {
                throw new java.io.UncheckedIOException(impossible);
            }
        }

        /** The parser is done (or failed). */
        @Override
        public void close() {
            closed = true;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (true) {
                if (ended) {
                    return -1;
                }
                if (current != null) {
                    int n = current.read(b, off, len);
                    if (n > 0) {
                        return n;
                    }
                }
                try {
                    ContextSpool.Chunk c = first != null ? first : filled.take();
                    first = null;
                    if (c == ContextSpool.Chunk.END) {
                        ended = true;
                        return -1;
                    }
                    current = c.stream();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
        }
    }

    /** Applies one entry as the layer extractor would, refusing what it refuses with its messages. */
    private void add(TarArchiveEntry e, int ordinal, long offset, TarArchiveInputStream tar, byte[] buf, java.util.Set<String> keep)
            throws IOException {
        String name = e.getName();
        List<String> parts = LayerArchive.cleanPath(name, false);
        if (parts.isEmpty()) {
            if (!e.isDirectory()) {
                throw invalid(name, "the layer root must be a directory");
            }
            meta(root, e);
            return;
        }
        Node parent = root;
        for (int i = 0; i < parts.size() - 1; i++) {
            Node n = parent.children.get(parts.get(i));
            if (n == null) {
                n = new Node(ContextFiles.Kind.DIR);
                n.mode = 0755;
                n.mtime = System.currentTimeMillis();
                parent.children.put(parts.get(i), n);
            } else if (n.kind == ContextFiles.Kind.SYMLINK) {
                throw invalid(name, "parent path " + LayerArchive.quote(String.join("/", parts.subList(0, i + 1))) + " is a symlink");
            } else if (n.kind != ContextFiles.Kind.DIR) {
                throw invalid(name, "parent path " + LayerArchive.quote(String.join("/", parts.subList(0, i + 1))) + " is not a directory");
            }
            parent = n;
        }
        String base = parts.getLast();
        if (base.startsWith(LayerArchive.WHITEOUT_PREFIX)) {
            if (!base.equals(LayerArchive.OPAQUE_MARKER)) {
                String hidden = base.substring(LayerArchive.WHITEOUT_PREFIX.length());
                if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..") || hidden.startsWith(LayerArchive.WHITEOUT_PREFIX)) {
                    throw invalid(name, "invalid whiteout name");
                }
                parent.children.remove(hidden);
            }
            return;
        }
        Node existing = parent.children.get(base);
        if (existing != null && !(existing.kind == ContextFiles.Kind.DIR && e.isDirectory())) {
            parent.children.remove(base);
            existing = null;
        }
        Node node;
        if (e.isDirectory()) {
            node = existing != null ? existing : new Node(ContextFiles.Kind.DIR);
        } else if (e.isSymbolicLink()) {
            String link = e.getLinkName();
            if (link == null || link.isEmpty()) {
                throw invalid(name, "empty symlink target");
            }
            if (!link.startsWith("/")) {
                String d = String.join("/", parts.subList(0, parts.size() - 1));
                try {
                    LayerArchive.cleanPath(d.isEmpty() ? link : d + "/" + link, false);
                } catch (InvalidLayerException escape) {
                    throw invalid(name, "symlink target " + LayerArchive.quote(link) + " escapes the layer root");
                }
            }
            node = new Node(ContextFiles.Kind.SYMLINK);
            node.link = link;
            node.size = link.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        } else if (e.isLink()) {
            String link = e.getLinkName();
            Node source;
            try {
                source = find(LayerArchive.cleanPath(link == null ? "" : link, true));
            } catch (InvalidLayerException escape) {
                throw invalid(name, "hardlink target " + LayerArchive.quote(link) + " is outside the layer");
            }
            if (source == null || source.kind == ContextFiles.Kind.DIR) {
                throw invalid(name, "hardlink target " + LayerArchive.quote(link) + " is not a file extracted earlier in this layer");
            }
            node = source;
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            // extracted as a device node, which a context view shows as nothing (as a whiteout)
            return;
        } else if (e.isFile()) {
            node = new Node(ContextFiles.Kind.FILE);
            String path = String.join("/", parts);
            java.io.ByteArrayOutputStream kept = keep.contains(path) ? new java.io.ByteArrayOutputStream() : null;
            Checksum sum = new Checksum(spool.memo(), path, e.getSize());
            long size = 0;
            try {
                while (true) {
                    int n;
                    try {
                        n = tar.read(buf);
                    } catch (IOException ex) {
                        throw invalid(name, ex.getMessage());
                    }
                    if (n < 0) {
                        break;
                    }
                    sum.update(buf, n);
                    if (kept != null) {
                        kept.write(buf, 0, n);
                    }
                    size += n;
                }
                node.digest = sum.finish(size);
            } finally {
                sum.close();
            }
            node.bytes = kept == null ? null : kept.toByteArray();
            node.size = size;
            node.ordinal = ordinal;
            // a sparse entry's data are its non-hole runs, not its contents
            node.offset = e.isSparse() ? -1 : offset;
        } else {
            throw invalid(name, "unsupported entry type");
        }
        meta(node, e);
        parent.children.put(base, node);
    }

    /**
     * A file's sha256 as its bytes stream by. When the memo has a file of the same path and size, the
     * bytes are compared with it instead, and its checksum is taken if every byte is the same; at the
     * first difference the hashing starts, over the equal part from the memo. A hashed file is
     * recorded in the memo for the next build.
     */
    private static final class Checksum {
        private final ContextMemo memo;
        private final String path;
        private final long declared;
        private ContextMemo.Remembered same; // while every byte so far equals it
        private MessageDigest md;
        private ContextMemo.Recording recording;
        private long pos;

        Checksum(ContextMemo memo, String path, long declared) {
            this.memo = memo;
            this.path = path;
            this.declared = declared;
            this.same = declared >= ContextMemo.MIN_SIZE ? memo.find(path, declared) : null;
        }

        void update(byte[] b, int n) {
            if (same != null) {
                if (same.matches(pos, MemorySegment.ofArray(b).asSlice(0, n))) {
                    pos += n;
                    return;
                }
                startHashing();
            }
            if (md == null) {
                startHashing();
            }
            md.update(b, 0, n);
            if (recording != null) {
                recording.write(b, 0, n);
            }
            pos += n;
        }

        /** From here on the bytes are hashed (and recorded); the equal part so far comes from the memo. */
        private void startHashing() {
            md = Digest.newSha256();
            recording = memo.record(path, declared);
            if (same != null) {
                same.prefix(pos, part -> {
                    md.update(part.asByteBuffer());
                    if (recording != null) {
                        recording.write(part);
                    }
                });
                same.done();
                same = null;
            }
        }

        /** The hex checksum of the {@code size} bytes that went by. */
        String finish(long size) {
            if (same != null && size == same.size()) {
                return same.digest();
            }
            if (md == null) {
                startHashing();
            }
            String digest = HexFormat.of().formatHex(md.digest());
            if (recording != null) {
                if (size == declared) {
                    recording.commit(digest);
                } else {
                    recording.abandon();
                }
                recording = null;
            }
            return digest;
        }

        /** Lets go of the memo's file and of an unfinished recording. */
        void close() {
            if (same != null) {
                same.done();
                same = null;
            }
            if (recording != null) {
                recording.abandon();
                recording = null;
            }
        }
    }

    private static void meta(Node n, TarArchiveEntry e) {
        if (n.kind != ContextFiles.Kind.SYMLINK) {
            n.mode = e.getMode() & 07777;
        } else {
            n.mode = 0777;
        }
        n.mtime = e.getModTime().getTime();
    }

    /** A path's node without following links; null when any part is missing or not a directory, or it was dropped. */
    private Node find(List<String> parts) {
        if (!dropped.isEmpty() && dropped.contains(String.join("/", parts))) {
            return null;
        }
        Node n = root;
        for (int i = 0; i < parts.size(); i++) {
            if (n.children == null) {
                return null;
            }
            n = n.children.get(parts.get(i));
            if (n == null || (i < parts.size() - 1 && n.kind != ContextFiles.Kind.DIR)) {
                return null;
            }
        }
        return parts.isEmpty() ? null : n;
    }

    /** An entry refused with the message {@code LayerArchive} gives for it. */
    private static InvalidLayerException invalid(String name, String why) {
        return new InvalidLayerException("invalid tar entry " + LayerArchive.quote(name) + ": " + why);
    }

    @Override
    Entry entry(String rel) {
        List<String> parts = parts(rel);
        Node n = parts.isEmpty() ? root : find(parts);
        if (n == null) {
            return null;
        }
        return new Entry(dir.resolve(String.join("/", parts)), n.kind, n.mode, n.size, n.mtime, n.link, n.digest);
    }

    @Override
    public List<String> list(String rel) {
        List<String> parts = parts(rel);
        Node n = parts.isEmpty() ? root : find(parts);
        if (n == null || n.children == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>(n.children.keySet());
        if (!dropped.isEmpty()) {
            String prefix = parts.isEmpty() ? "" : String.join("/", parts) + "/";
            names.removeIf(name -> dropped.contains(prefix + name));
        }
        return ContextFiles.sorted(names);
    }

    /**
     * A file's contents for a COPY or ADD: from the spool where a plain tar holds them, so a step that missed
     * the cache does not need the whole context written out; from disk once it is (or when it is compressed).
     */
    @Override
    InputStream open(String rel, Entry e) throws IOException {
        ContextSpool bytes = spool();
        synchronized (this) {
            if (!written) {
                Node n = find(parts(rel));
                if (n != null && n.kind == ContextFiles.Kind.FILE && n.offset >= 0) {
                    return bytes.open(n.offset, n.size);
                }
                layers();
            }
        }
        return super.open(rel, e);
    }

    /** A regular file's contents, read back from the spool (for the Dockerfile and .dockerignore). */
    byte[] read(String rel) throws IOException {
        Node n = find(parts(rel));
        if (n == null || n.kind != ContextFiles.Kind.FILE) {
            return null;
        }
        if (n.bytes != null) {
            return n.bytes.clone();
        }
        try (InputStream in = LayerArchive.decompress(spool().open());
             TarArchiveInputStream tar = new TarArchiveInputStream(in, false)) {
            for (int i = 0; ; i++) {
                TarArchiveEntry e = tar.getNextEntry();
                if (e == null) {
                    throw new IOException("the context spool lost entry " + n.ordinal);
                }
                if (i == n.ordinal) {
                    return tar.readAllBytes();
                }
            }
        }
    }

    /** Takes a file out of the context (dockerd's removeDockerfile); directories stay. */
    void drop(String rel) {
        List<String> parts = parts(rel);
        if (parts.isEmpty()) {
            return;
        }
        Node parent = parts.size() == 1 ? root : find(parts.subList(0, parts.size() - 1));
        if (parent == null || parent.children == null) {
            return;
        }
        Node n = parent.children.get(parts.getLast());
        if (n != null && n.kind != ContextFiles.Kind.DIR) {
            dropped.add(String.join("/", parts));
        }
    }

    /** Whether the body was the retained last one, byte for byte, and so was not parsed. */
    boolean replayed() {
        return replayed;
    }

    /** The spool the body's bytes are in; a preview has none, and what needs bytes gives up ({@link BuildPreview.Miss}). */
    private ContextSpool spool() {
        if (spool == null) {
            throw BuildPreview.Miss.INSTANCE;
        }
        return spool;
    }

    /** Frees the spool (the build is over). */
    void close() throws IOException {
        if (spool != null) {
            spool.close();
        }
    }

    /** The context's files on disk: the spool is extracted on the first call (a step missed the cache). */
    @Override
    synchronized List<Path> layers() throws IOException {
        ContextSpool bytes = spool();
        if (!written) {
            work.create();
            Files.createDirectory(dir);
            try (InputStream in = bytes.open()) {
                LayerArchive.extract(in, dir);
            }
            for (String d : dropped) {
                Path p = dir.resolve(d);
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                }
            }
            bytes.close(); // the files are on disk now
            written = true;
        }
        return List.of(dir);
    }
}
