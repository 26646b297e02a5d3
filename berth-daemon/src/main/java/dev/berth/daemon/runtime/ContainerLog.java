package dev.berth.daemon.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A container's log as conmon writes it ({@code k8s-file}: {@code <RFC3339Nano> <stdout|stderr> <F|P> <bytes>}
 * per line, {@code P} marking a piece of a longer line), plus the files berthd rotated away
 * ({@code <log>.1} newest to {@code <log>.<n>} oldest). Reads join partial lines back together.
 * When rotation drops a file that ended inside a line, the next file starts with the rest of
 * that line; a marker file ({@code <log>.cut}, holding the stream's name) says so, and reads
 * skip that orphaned rest instead of showing it as a line of its own.
 */
public final class ContainerLog {
    /** One logged message: 1 stdout, 2 stderr (the attach framing's numbers), its time, its bytes. */
    public record Entry(int stream, Instant time, byte[] data) {}

    /** Receives entries in order. */
    @FunctionalInterface
    public interface Sink {
        void accept(Entry e) throws IOException;
    }

    /** What to read: which streams, the time window, the last {@code tail} entries (negative: all). */
    public record Query(boolean stdout, boolean stderr, Instant since, Instant until, long tail) {}

    private final Path live;
    private final int maxFiles;

    public ContainerLog(Path live, int maxFiles) {
        this.live = live;
        this.maxFiles = Math.max(1, maxFiles);
    }

    public Path path() {
        return live;
    }

    /** The log files, oldest first, the live one last. */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (int i = maxFiles - 1; i >= 1; i--) {
            Path p = rotated(i);
            if (Files.exists(p)) {
                out.add(p);
            }
        }
        out.add(live);
        return out;
    }

    private Path rotated(int i) {
        return live.resolveSibling(live.getFileName() + "." + i);
    }

    private Path cutMarker() {
        return live.resolveSibling(live.getFileName() + ".cut");
    }

    /** True when the live file has reached {@code maxSize} and should be rotated. */
    public boolean needsRotation(long maxSize) {
        try {
            return maxSize > 0 && Files.size(live) >= maxSize;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Shifts the files by one (dropping the oldest) and moves the live file to {@code .1}; the
     * caller then makes conmon reopen its log, which creates a new live file. With one file
     * allowed, the live file is simply dropped.
     */
    public void rotate() throws IOException {
        if (maxFiles <= 1) {
            // conmon may still append to the live file until it reopens: the marker is a best guess here
            drop(live);
            return;
        }
        drop(rotated(maxFiles - 1));
        for (int i = maxFiles - 2; i >= 1; i--) {
            if (Files.exists(rotated(i))) {
                Files.move(rotated(i), rotated(i + 1), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        if (Files.exists(live)) {
            Files.move(live, rotated(1), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Deletes {@code p} (the oldest file), first noting whether the file after it starts mid-line. */
    private void drop(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        String stream = openLineStream(p);
        if (stream == null) {
            Files.deleteIfExists(cutMarker());
        } else {
            Path tmp = cutMarker().resolveSibling(cutMarker().getFileName() + ".tmp");
            Files.writeString(tmp, stream);
            Files.move(tmp, cutMarker(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.delete(p);
    }

    /** The stream ({@code stdout}/{@code stderr}) whose last record in {@code p} is a {@code P} piece, or null. */
    static String openLineStream(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            // conmon splits long lines into pieces of at most a few KiB, so the last record is near the end
            int len = (int) Math.min(size, 64 * 1024);
            ByteBuffer buf = ByteBuffer.allocate(len);
            ch.read(buf, size - len);
            byte[] a = buf.array();
            int end = len;
            if (end > 0 && a[end - 1] == '\n') {
                end--;
            }
            int start = end;
            while (start > 0 && a[start - 1] != '\n') {
                start--;
            }
            String[] f = new String(a, start, end - start, StandardCharsets.UTF_8).split(" ", 4);
            return f.length >= 3 && f[2].equals("P") ? f[1] : null;
        }
    }

    /** Removes every file of this log. */
    public void deleteAll() throws IOException {
        for (Path p : files()) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(cutMarker());
    }

    /**
     * How a read follows the live file: while {@code running} says the container may still write, checked every
     * {@code poll} and at once when {@code stopped} completes, so that the last lines and the end of the read come
     * right after the exit rather than at the next check (a build's RUN step waits for that end).
     */
    public record Follow(BooleanSupplier running, Future<?> stopped, Duration poll) {
        /** Checks every 100 ms, and when {@code stopped} (which may be null) completes. */
        public Follow(BooleanSupplier running, Future<?> stopped) {
            this(running, stopped, Duration.ofMillis(100));
        }

        /** Waits for the next check: up to {@code poll}, less if {@code stopped} completes first. */
        void pause() throws InterruptedException {
            if (stopped == null || stopped.isDone()) {
                // done already, yet still running (a restart): only the clock says when to look again
                Thread.sleep(poll);
                return;
            }
            try {
                stopped.get(poll.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | CancellationException | TimeoutException e) {
                // any end of the wait is a reason to look again
            }
        }
    }

    /**
     * Sends the entries matching {@code q} to {@code sink}. With a {@code follow}, keeps reading the
     * live file (across rotations) while the container may still write.
     */
    public void read(Query q, Follow follow, Sink sink) throws IOException, InterruptedException {
        Deque<Entry> tail = q.tail() >= 0 ? new ArrayDeque<>() : null;
        Sink filtered = e -> {
            if (!(e.stream() == 1 ? q.stdout() : q.stderr())) {
                return;
            }
            if (q.since() != null && e.time().isBefore(q.since())) {
                return;
            }
            if (q.until() != null && e.time().isAfter(q.until())) {
                return;
            }
            if (tail != null) {
                if (q.tail() == 0) {
                    return;
                }
                if (tail.size() == q.tail()) {
                    tail.removeFirst();
                }
                tail.addLast(e);
            } else {
                sink.accept(e);
            }
        };
        List<Path> files = files();
        Joiner joiner = new Joiner(filtered);
        Reader liveReader = null;
        int cutStream = cutStream();
        for (Path f : files) {
            Reader r = Reader.open(f, joiner);
            if (r == null) {
                continue;
            }
            if (f.equals(files.getFirst())) {
                r.skipRestOf = cutStream;
            }
            r.drain();
            if (f.equals(live)) {
                liveReader = r;
            } else {
                r.close();
            }
        }
        boolean more = follow != null && q.until() == null;
        if (!more) {
            // nothing more will be read: a last line without its newline is complete as it is
            joiner.flush();
        }
        if (tail != null) {
            for (Entry e : tail) {
                sink.accept(e);
            }
        }
        if (!more) {
            if (liveReader != null) {
                liveReader.close();
            }
            return;
        }
        Sink direct = e -> {
            if ((e.stream() == 1 ? q.stdout() : q.stderr()) && (q.since() == null || !e.time().isBefore(q.since()))) {
                sink.accept(e);
            }
        };
        joiner.sink = direct;
        try {
            while (true) {
                boolean stillRunning = follow.running().getAsBoolean();
                if (liveReader == null) {
                    liveReader = Reader.open(live, joiner);
                }
                if (liveReader != null) {
                    liveReader.drain();
                    Object key = fileKey(live);
                    if (key != null && !Objects.equals(key, liveReader.key)) {
                        // rotated: finish the old file, continue with the new one
                        liveReader.drain();
                        liveReader.close();
                        liveReader = Reader.open(live, joiner);
                        continue;
                    }
                }
                if (!stillRunning) {
                    if (liveReader != null) {
                        liveReader.drain();
                    }
                    joiner.flush();
                    return;
                }
                follow.pause();
            }
        } finally {
            if (liveReader != null) {
                liveReader.close();
            }
        }
    }

    /** The stream (1 or 2) whose line the oldest file starts in the middle of, or 0. */
    private int cutStream() {
        try {
            String s = Files.readString(cutMarker()).trim();
            return s.equals("stderr") ? 2 : s.equals("stdout") ? 1 : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Joins {@code P} pieces into whole lines, across file boundaries (a rotation can split a line). */
    private static final class Joiner {
        private Sink sink;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private int partialStream;
        private Instant partialTime;

        Joiner(Sink sink) {
            this.sink = sink;
        }

        void piece(int stream, Instant t, byte[] raw, int from, boolean full) throws IOException {
            if (partial.size() > 0 && partialStream != stream) {
                flush();
            }
            if (partial.size() == 0) {
                partialTime = t;
                partialStream = stream;
            }
            partial.write(raw, from, raw.length - from);
            if (full) {
                partial.write('\n');
                byte[] data = partial.toByteArray();
                partial.reset();
                sink.accept(new Entry(stream, partialTime, data));
            }
        }

        /** A last piece without its newline (the container ended mid-line) is still output. */
        void flush() throws IOException {
            if (partial.size() > 0) {
                byte[] data = partial.toByteArray();
                partial.reset();
                sink.accept(new Entry(partialStream, partialTime, data));
            }
        }
    }

    /** Reads complete k8s-file lines from one file, remembering where it stopped. */
    private static final class Reader implements AutoCloseable {
        private final FileChannel ch;
        private final Object key;
        private final Joiner joiner;
        private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        /** Records of this stream (1, 2; 0 none) up to its next full one are the rest of a dropped line. */
        int skipRestOf;

        private Reader(FileChannel ch, Object key, Joiner joiner) {
            this.ch = ch;
            this.key = key;
            this.joiner = joiner;
        }

        static Reader open(Path p, Joiner joiner) throws IOException {
            try {
                Object key = fileKey(p);
                return new Reader(FileChannel.open(p, StandardOpenOption.READ), key, joiner);
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        void drain() throws IOException {
            while (true) {
                buf.clear();
                int n = ch.read(buf);
                if (n <= 0) {
                    return;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == '\n') {
                        parse(line.toByteArray());
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            }
        }

        private void parse(byte[] raw) throws IOException {
            // <time> <stream> <tag> <content>
            int s1 = indexOf(raw, ' ', 0);
            int s2 = s1 < 0 ? -1 : indexOf(raw, ' ', s1 + 1);
            int s3 = s2 < 0 ? -1 : indexOf(raw, ' ', s2 + 1);
            if (s3 < 0 && s2 >= 0 && raw.length > s2 + 1) {
                s3 = raw.length; // empty content
            }
            if (s3 < 0) {
                return;
            }
            Instant t;
            try {
                t = OffsetDateTime.parse(new String(raw, 0, s1, StandardCharsets.US_ASCII)).toInstant();
            } catch (RuntimeException e) {
                return;
            }
            int stream = new String(raw, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII).equals("stderr") ? 2 : 1;
            boolean full = raw[s2 + 1] != 'P';
            if (stream == skipRestOf) {
                if (full) {
                    skipRestOf = 0;
                }
                return;
            }
            joiner.piece(stream, t, raw, Math.min(s3 + 1, raw.length), full);
        }

        private static int indexOf(byte[] a, char c, int from) {
            for (int i = from; i < a.length; i++) {
                if (a[i] == c) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
