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
import java.util.Arrays;
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
 * per line, {@code P} marking a piece of a longer line), plus the files it finished
 * ({@code <log>.1} newest to {@code <log>.<n>} oldest). Reads join partial lines back together.
 *
 * <p>conmon rotates: at {@code --log-size-max} it replaces the live file with a new one. It would
 * drop the old one, so berthd holds a second name for the file conmon writes ({@code <log>.held},
 * a hard link); once conmon has replaced it, {@link #retire} moves it among the rotated files.
 * berthd cannot rotate by renaming the live file itself: conmon counts bytes since its own last
 * replacement, not since a reopen berthd asks for, and so would throw away a newer file.
 *
 * <p>Two marks keep reads from joining pieces that do not belong together. When the oldest file
 * is dropped while it ends inside a line, the next file starts with that line's rest: a marker file
 * ({@code <log>.cut}, holding the stream's name) says so and reads skip the orphaned rest. When a
 * file conmon wrote was replaced before berthd could hold it, it is lost: the file before the loss
 * gets a last record with the tag {@code G}, and reads drop the line that file left open and the
 * first line of the next file (which may be the rest of a line the lost file began).
 */
public final class ContainerLog {
    /** One logged message: 1 stdout, 2 stderr (the attach framing's numbers), its time, its bytes. */
    public record Entry(int stream, Instant time, byte[] data) {}

    /** Receives entries in order. */
    @FunctionalInterface
    public interface Sink {
        void accept(Entry e) throws IOException;

        /** Everything written so far has been given: a sink that buffers sends it on now. */
        default void caughtUp() throws IOException {
        }
    }

    /** What to read: which streams, the time window, the last {@code tail} entries (negative: all). */
    public record Query(boolean stdout, boolean stderr, Instant since, Instant until, long tail) {}

    /** How the file conmon writes stands against the one berthd holds. */
    public enum Hold {
        /** conmon has not created the live file (yet). */
        NO_LIVE,
        /** berthd holds no file: the live one is to be held. */
        NONE,
        /** berthd holds the live file. */
        LIVE,
        /** conmon replaced the held file: it is finished and to be retired. */
        REPLACED
    }

    /** The cut marker's value when the stream of the orphaned rest is unknown: the first line of the next file goes. */
    private static final String ANY_STREAM = "any";

    private final Path live;
    private final int maxFiles;

    public ContainerLog(Path live, int maxFiles) {
        this.live = live;
        this.maxFiles = Math.max(1, maxFiles);
    }

    public Path path() {
        return live;
    }

    /** The log files, oldest first, the live one last (after a finished file berthd holds but has not retired yet). */
    public List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (int i = maxFiles - 1; i >= 1; i--) {
            Path p = rotated(i);
            if (Files.exists(p)) {
                out.add(p);
            }
        }
        if (hold() == Hold.REPLACED) {
            out.add(held());
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

    private Path held() {
        return live.resolveSibling(live.getFileName() + ".held");
    }

    /** Where the live file stands against the held one. */
    public Hold hold() {
        Object liveKey = fileKey(live);
        if (liveKey == null) {
            return Hold.NO_LIVE;
        }
        Object heldKey = fileKey(held());
        if (heldKey == null) {
            return Hold.NONE;
        }
        return heldKey.equals(liveKey) ? Hold.LIVE : Hold.REPLACED;
    }

    /** Holds the live file under a second name, so that conmon's replacing it does not delete it. */
    public void holdLive() throws IOException {
        try {
            Files.createLink(held(), live);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // held already: the caller looked at a state that has moved on, and will look again
        } catch (NoSuchFileException e) {
            // the container's directory is going away
        }
    }

    /**
     * Moves the held file, which conmon has replaced and closed, to {@code .1}, shifting the older ones
     * and dropping the oldest (with one file allowed, the held file itself is dropped). With {@code lostAfter},
     * conmon replaced at least one more file before berthd could hold it: the held file is marked as such.
     */
    public void retire(boolean lostAfter) throws IOException {
        if (lostAfter) {
            appendLostMark(held());
        }
        shiftIn(held());
    }

    /**
     * Marks the loss of a file conmon wrote between the newest finished file and the one now held (or
     * live): the newest finished file gets the mark, or, with none kept, the cut marker says that the
     * oldest file's first line may be the rest of a lost one.
     */
    public void markLost() throws IOException {
        if (maxFiles > 1 && Files.exists(rotated(1))) {
            appendLostMark(rotated(1));
        } else {
            writeCutMarker(ANY_STREAM);
        }
    }

    /**
     * Before a new monitor starts: a finished file not yet retired is retired. The new conmon appends to the
     * live file but counts {@code maxSize} from its own start, so with rotated files allowed a live file
     * already half full is retired too: no file grows past 1.5 × {@code maxSize}, and a container that
     * restarts often with little to say keeps its runs together.
     */
    public void seal(long maxSize) throws IOException {
        switch (hold()) {
            case REPLACED -> shiftIn(held());
            case LIVE -> Files.deleteIfExists(held());
            default -> {
                // nothing held
            }
        }
        if (maxFiles > 1 && Files.exists(live) && Files.size(live) >= maxSize / 2) {
            shiftIn(live);
        }
    }

    private void shiftIn(Path finished) throws IOException {
        if (maxFiles <= 1) {
            drop(finished);
            return;
        }
        drop(rotated(maxFiles - 1));
        for (int i = maxFiles - 2; i >= 1; i--) {
            if (Files.exists(rotated(i))) {
                Files.move(rotated(i), rotated(i + 1), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.move(finished, rotated(1), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void appendLostMark(Path p) throws IOException {
        String mark = OffsetDateTime.now(java.time.ZoneOffset.UTC) + " stdout G \n";
        Files.writeString(p, mark, StandardOpenOption.APPEND);
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
            writeCutMarker(stream);
        }
        Files.delete(p);
    }

    private void writeCutMarker(String stream) throws IOException {
        Path tmp = cutMarker().resolveSibling(cutMarker().getFileName() + ".tmp");
        Files.writeString(tmp, stream);
        Files.move(tmp, cutMarker(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The stream ({@code stdout}/{@code stderr}) whose last record in {@code p} is a {@code P} piece,
     * {@code any} when its last record is a loss mark, or null.
     */
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
            if (f.length < 3) {
                return null;
            }
            return switch (f[2]) {
                case "P" -> f[1];
                case "G" -> ANY_STREAM;
                default -> null;
            };
        }
    }

    /** Removes every file of this log. */
    public void deleteAll() throws IOException {
        for (Path p : files()) {
            Files.deleteIfExists(p);
        }
        Files.deleteIfExists(held());
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
        Joiner joiner = new Joiner(filtered);
        joiner.skip = cutStream();
        List<Reader> readers = openAll(joiner);
        Reader liveReader = !readers.isEmpty() && Objects.equals(readers.getLast().key, fileKey(live)) ? readers.getLast() : null;
        for (Reader r : readers) {
            r.drain();
            if (r != liveReader) {
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
        sink.caughtUp();
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
                boolean wrote = false;
                if (liveReader != null) {
                    wrote = liveReader.drain();
                    Object key = fileKey(live);
                    if (key != null && !Objects.equals(key, liveReader.key)) {
                        liveReader = followOnFrom(liveReader, joiner);
                        continue;
                    }
                }
                if (!stillRunning) {
                    if (liveReader != null) {
                        liveReader.drain();
                    }
                    joiner.flush();
                    sink.caughtUp();
                    return;
                }
                if (!wrote) {
                    // a busy log is read on without a pause: one that rotates faster than the pause loses files to max-file
                    sink.caughtUp();
                    follow.pause();
                }
            }
        } finally {
            if (liveReader != null) {
                liveReader.close();
            }
        }
    }

    /**
     * After a rotation: finishes the file {@code finished} was following, reads any file conmon finished after it
     * since the last look, and returns a reader of the live file (null when there is none yet).
     */
    private Reader followOnFrom(Reader finished, Joiner joiner) throws IOException {
        finished.drain();
        finished.close();
        for (Path p : keptAfter(finished.key, joiner.last)) {
            Reader r = Reader.open(p, joiner);
            if (r == null) {
                continue;
            }
            if (Objects.equals(r.key, fileKey(live))) {
                // the names moved on meanwhile: this one is the live file, to be followed, not finished
                return r;
            }
            r.drain();
            r.close();
        }
        return Reader.open(live, joiner);
    }

    /**
     * Opens every file, oldest first. A rotation between the listing and the opening shifts the names, so the
     * files opened are checked against a second listing and opened again if it differs (at most a few times:
     * a writer that rotates faster than that gets what was there).
     */
    private List<Reader> openAll(Joiner joiner) throws IOException {
        for (int attempt = 0; ; attempt++) {
            List<Reader> readers = new ArrayList<>();
            for (Path f : files()) {
                Reader r = Reader.open(f, joiner);
                if (r != null) {
                    readers.add(r);
                }
            }
            List<Object> now = files().stream().map(ContainerLog::fileKey).filter(Objects::nonNull).toList();
            if (attempt == 3 || now.equals(readers.stream().map(r -> r.key).toList())) {
                return readers;
            }
            for (Reader r : readers) {
                r.close();
            }
        }
    }

    /**
     * The finished files kept after the one with {@code key}, oldest first. When that one is no longer kept (a reader
     * that fell more than {@code max-file} files behind), those that start no earlier than {@code last}, the time of
     * the last record read: conmon stamps the records of one read of the pipe alike, and a file can start within one.
     */
    private List<Path> keptAfter(Object key, Instant last) {
        List<Path> files = files();
        List<Path> finished = files.subList(0, files.size() - 1);
        for (int i = 0; i < finished.size(); i++) {
            if (key.equals(fileKey(finished.get(i)))) {
                return finished.subList(i + 1, finished.size());
            }
        }
        List<Path> newer = new ArrayList<>();
        for (Path p : finished) {
            Instant first = firstRecordTime(p);
            if (last == null || (first != null && !first.isBefore(last))) {
                newer.add(p);
            }
        }
        return newer;
    }

    /** The time of a file's first record, or null. */
    private static Instant firstRecordTime(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(64);
            ch.read(b, 0);
            byte[] a = b.array();
            for (int i = 0; i < b.position(); i++) {
                if (a[i] == ' ') {
                    return recordTime(a, 0, i);
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A record's time, or null when it is none. conmon writes {@code 2026-11-24T14:09:26.846173446+00:00}, read here
     * without the general parser, which took a third of the time of reading a log; anything else goes through it.
     */
    static Instant recordTime(byte[] a, int off, int len) {
        if (len == 35 && a[off + 4] == '-' && a[off + 7] == '-' && a[off + 10] == 'T' && a[off + 13] == ':' && a[off + 16] == ':'
                && a[off + 19] == '.' && (a[off + 29] == '+' || a[off + 29] == '-') && a[off + 32] == ':') {
            int year = digits(a, off, 4);
            int month = digits(a, off + 5, 2);
            int day = digits(a, off + 8, 2);
            int hour = digits(a, off + 11, 2);
            int minute = digits(a, off + 14, 2);
            int second = digits(a, off + 17, 2);
            int nanos = digits(a, off + 20, 9);
            int offHours = digits(a, off + 30, 2);
            int offMinutes = digits(a, off + 33, 2);
            // digits() gives -1 for a non-digit, which makes the or of them all negative
            if ((year | month | day | hour | minute | second | nanos | offHours | offMinutes) < 0) {
                return null;
            }
            int sign = a[off + 29] == '-' ? -1 : 1;
            try {
                return OffsetDateTime.of(year, month, day, hour, minute, second, nanos,
                        java.time.ZoneOffset.ofHoursMinutes(sign * offHours, sign * offMinutes)).toInstant();
            } catch (java.time.DateTimeException e) {
                return null; // a day or an hour out of range
            }
        }
        try {
            return OffsetDateTime.parse(new String(a, off, len, StandardCharsets.US_ASCII)).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The decimal number in {@code a[off, off + n)}, or -1 when a byte there is not a digit. */
    private static int digits(byte[] a, int off, int n) {
        int v = 0;
        for (int i = off; i < off + n; i++) {
            int d = a[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** The stream (1 or 2) whose line the oldest file starts in the middle of, -1 for whichever comes first, or 0. */
    private int cutStream() {
        try {
            return switch (Files.readString(cutMarker()).trim()) {
                case "stdout" -> 1;
                case "stderr" -> 2;
                case ANY_STREAM -> -1;
                default -> 0;
            };
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
        /** Records of this stream (1, 2; -1 whichever comes next; 0 none) up to its next full one are the rest of a lost line. */
        private int skip;
        /** The time of the last record taken. */
        private Instant last;

        Joiner(Sink sink) {
            this.sink = sink;
        }

        /** Takes the content {@code raw[from, to)} of one record. */
        void piece(int stream, Instant t, byte[] raw, int from, int to, boolean full) throws IOException {
            last = t;
            if (skip == -1) {
                skip = stream;
            }
            if (stream == skip) {
                if (full) {
                    skip = 0;
                }
                return;
            }
            if (partial.size() > 0 && partialStream != stream) {
                flush();
            }
            if (full && partial.size() == 0) {
                // the common case, a whole line in one record: one copy
                byte[] data = Arrays.copyOfRange(raw, from, to + 1);
                data[data.length - 1] = '\n';
                sink.accept(new Entry(stream, t, data));
                return;
            }
            if (partial.size() == 0) {
                partialTime = t;
                partialStream = stream;
            }
            partial.write(raw, from, to - from);
            if (full) {
                partial.write('\n');
                byte[] data = partial.toByteArray();
                partial.reset();
                sink.accept(new Entry(stream, partialTime, data));
            }
        }

        /** A file was lost here: the line left open lost its rest, and the next line may be the rest of one lost with it. */
        void lost() {
            partial.reset();
            skip = -1;
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

        private Reader(FileChannel ch, Object key, Joiner joiner) {
            this.ch = ch;
            this.key = key;
            this.joiner = joiner;
        }

        static Reader open(Path p, Joiner joiner) throws IOException {
            while (true) {
                Object key = fileKey(p);
                FileChannel ch;
                try {
                    ch = FileChannel.open(p, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    return null;
                }
                // the name may have moved to another file between the look and the open
                if (key != null && key.equals(fileKey(p))) {
                    return new Reader(ch, key, joiner);
                }
                ch.close();
            }
        }

        /** Reads to the end of the file as it is now; true when there was anything to read. */
        boolean drain() throws IOException {
            boolean any = false;
            byte[] a = buf.array();
            while (true) {
                buf.clear();
                int n = ch.read(buf);
                if (n <= 0) {
                    return any;
                }
                any = true;
                int from = 0;
                while (from < n) {
                    int nl = indexOf(a, '\n', from, n);
                    if (nl < 0) {
                        line.write(a, from, n - from);
                        break;
                    }
                    if (line.size() == 0) {
                        parse(a, from, nl);
                    } else {
                        // a record that spans two reads
                        line.write(a, from, nl - from);
                        byte[] joined = line.toByteArray();
                        line.reset();
                        parse(joined, 0, joined.length);
                    }
                    from = nl + 1;
                }
            }
        }

        /** Parses the record {@code raw[off, end)}: {@code <time> <stream> <tag> <content>}. */
        private void parse(byte[] raw, int off, int end) throws IOException {
            int s1 = indexOf(raw, ' ', off, end);
            int s2 = s1 < 0 ? -1 : indexOf(raw, ' ', s1 + 1, end);
            int s3 = s2 < 0 ? -1 : indexOf(raw, ' ', s2 + 1, end);
            if (s3 < 0 && s2 >= 0 && end > s2 + 1) {
                s3 = end; // empty content
            }
            if (s3 < 0) {
                return;
            }
            Instant t = recordTime(raw, off, s1 - off);
            if (t == null) {
                return;
            }
            int stream = s2 - s1 - 1 == 6 && raw[s1 + 4] == 'e' ? 2 : 1; // "stderr" against "stdout"
            byte tag = raw[s2 + 1];
            if (tag == 'G') {
                joiner.lost();
                return;
            }
            joiner.piece(stream, t, raw, Math.min(s3 + 1, end), end, tag != 'P');
        }

        private static int indexOf(byte[] a, char c, int from, int to) {
            for (int i = from; i < to; i++) {
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
