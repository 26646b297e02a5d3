package dev.berth.daemon.build;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A context body sent again: recognised as it arrives when it is the retained last one byte for
 * byte, and otherwise parsed, wherever the first difference is (the first byte, either side of a
 * chunk boundary, the last byte, one byte more or less, a whole chunk less), with every checksum
 * the sha256 of the bytes sent this time.
 */
class ContextReplayTest {
    private static final int CHUNK = ContextSpool.CHUNK;
    private static final int DATA = 512; // where the single file's data start in the tar

    private static byte[] tar(byte[] data, int padTo) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            file(t, "big", data);
            file(t, "Dockerfile", "FROM scratch\nCOPY big /\n".getBytes(StandardCharsets.UTF_8));
            t.finish();
        }
        byte[] body = bytes.toByteArray();
        // trailing zeros after the end of the archive are read and ignored, as Docker's extractor does
        return padTo > body.length ? Arrays.copyOf(body, padTo) : body;
    }

    private static void file(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setMode(0644);
        e.setSize(data.length);
        e.setModTime(1_700_000_000_000L);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A body that arrives in reads of random sizes, as a socket's does. */
    private static InputStream trickle(byte[] body, Random rnd) {
        return new InputStream() {
            private int pos;

            @Override
            public int read() {
                return pos < body.length ? body[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos == body.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, body.length - pos), 1 + rnd.nextInt(70_000));
                System.arraycopy(body, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    private static ContextIndex index(byte[] body, ContextSpool.Budget budget, Path work, Random rnd) throws IOException {
        Files.createDirectories(work);
        return ContextIndex.read(trickle(body, rnd), new ContextSpool(WorkDir.at(work), budget), WorkDir.at(work), Set.of("Dockerfile"));
    }

    private static void check(ContextIndex index, byte[] data) throws Exception {
        assertThat(index.entry("big").digest()).isEqualTo(sha256(data));
        assertThat(index.entry("big").size()).isEqualTo(data.length);
        assertThat(new String(index.read("Dockerfile"), StandardCharsets.UTF_8)).isEqualTo("FROM scratch\nCOPY big /\n");
    }

    @Test
    void aRepeatedBodyIsRecognisedAndEveryDifferenceAnywhereIsParsed(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(16);
        Random rnd = new Random(7);
        byte[] data = random(rnd, 3 * CHUNK - 4096);
        int pad = 3 * CHUNK; // the body ends on a chunk boundary: its last chunk is empty
        byte[] body = tar(data, pad);
        assertThat(body.length).isEqualTo(pad);

        ContextIndex first = index(body, budget, tmp.resolve("first"), rnd);
        assertThat(first.replayed()).as("nothing was retained before").isFalse();
        check(first, data);
        first.close();

        int[] offsets = {DATA, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, DATA + data.length - 1};
        int round = 0;
        for (int at : offsets) {
            ContextIndex same = index(body, budget, tmp.resolve("same" + round), rnd);
            assertThat(same.replayed()).as("the same body again (before the change at %d)", at).isTrue();
            check(same, data);
            same.close();

            byte[] changed = data.clone();
            changed[at - DATA] ^= 0x5a;
            ContextIndex other = index(tar(changed, pad), budget, tmp.resolve("changed" + round++), rnd);
            assertThat(other.replayed()).as("one byte changed at %d", at).isFalse();
            check(other, changed);
            other.close();

            // and back: the original differs from the last body now
            ContextIndex back = index(body, budget, tmp.resolve("back" + round), rnd);
            assertThat(back.replayed()).isFalse();
            check(back, data);
            back.close();
        }

        // lengths, in the zeros after the archive: one byte more (past the last body's end), one less, a whole chunk less
        body = tar(data, 4 * CHUNK);
        index(body, budget, tmp.resolve("padded"), rnd).close();
        for (byte[] other : List.of(Arrays.copyOf(body, body.length + 1), Arrays.copyOf(body, body.length - 1),
                Arrays.copyOf(body, 3 * CHUNK), Arrays.copyOf(body, 5 * CHUNK + 17))) {
            ContextIndex same = index(body, budget, tmp.resolve("len-same" + other.length), rnd);
            assertThat(same.replayed()).isTrue();
            same.close();
            ContextIndex longer = index(other, budget, tmp.resolve("len" + other.length), rnd);
            assertThat(longer.replayed()).as("a body of %d bytes after one of %d", other.length, body.length).isFalse();
            check(longer, data);
            longer.close();
            ContextIndex again = index(other, budget, tmp.resolve("len-again" + other.length), rnd);
            assertThat(again.replayed()).as("the body of %d bytes again", other.length).isTrue();
            check(again, data);
            again.close();
            ContextIndex orig = index(body, budget, tmp.resolve("len-orig" + other.length), rnd);
            assertThat(orig.replayed()).isFalse();
            orig.close();
        }
    }

    @Test
    void aReplayKeepsNoMemoryOfItsOwnAndEachBuildHidesOnlyItsOwnDroppedFiles(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(16);
        Random rnd = new Random(3);
        byte[] data = random(rnd, 2 * CHUNK);
        byte[] body = tar(data, 0);
        ContextIndex first = index(body, budget, tmp.resolve("one"), rnd);
        first.close();
        int retained = budget.lent();
        assertThat(retained).as("the memo retains the body").isEqualTo(body.length / CHUNK + 1);

        ContextIndex a = index(body, budget, tmp.resolve("a"), rnd);
        ContextIndex b = index(body, budget, tmp.resolve("b"), rnd);
        assertThat(a.replayed()).isTrue();
        assertThat(b.replayed()).isTrue();
        assertThat(budget.lent()).as("two builds of the same bytes share the retained memory").isEqualTo(retained);

        a.drop("Dockerfile");
        assertThat(a.entry("Dockerfile")).isNull();
        assertThat(a.list("")).containsExactly("big");
        assertThat(b.entry("Dockerfile")).as("the other build's view keeps it").isNotNull();
        assertThat(b.list("")).containsExactlyInAnyOrder("Dockerfile", "big");
        // the files on disk are the bytes sent, without the dropped one
        Path root = a.layers().getFirst();
        try (var files = Files.list(root)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("big");
        }
        assertThat(root.resolve("big")).hasBinaryContent(data);
        a.close();
        b.close();
        assertThat(budget.lent()).isEqualTo(retained);

        ContextIndex c = index(body, budget, tmp.resolve("c"), rnd);
        assertThat(c.replayed()).isTrue();
        assertThat(c.entry("Dockerfile")).as("a later build sees the whole context").isNotNull();
        c.close();
    }

    @Test
    void aBuildThatNeedsTheMemoryTakesItFromTheRetainedBody(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(4);
        Random rnd = new Random(5);
        byte[] one = random(rnd, 3 * CHUNK - 8192);
        ContextIndex first = index(tar(one, 0), budget, tmp.resolve("one"), rnd);
        first.close();
        assertThat(budget.lent()).as("retained").isEqualTo(3);

        byte[] two = random(rnd, 3 * CHUNK - 8192);
        Path work = tmp.resolve("two");
        ContextIndex second = index(tar(two, 0), budget, work, rnd);
        check(second, two);
        assertThat(work.resolve("context.tar")).as("the second body fit in memory, not in the spool's file").doesNotExist();
        second.close();
        assertThat(budget.lent()).as("the second body is the retained one now").isEqualTo(3);
        ContextIndex again = index(tar(two, 0), budget, tmp.resolve("again"), rnd);
        assertThat(again.replayed()).isTrue();
        again.close();
    }

    @Test
    void buildsAtOnceOfTheSameAndOfOtherBodiesGetTheirOwnChecksumsAndGiveEveryChunkBack(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(64);
        byte[][] data = new byte[3][];
        byte[][] bodies = new byte[3][];
        Random seed = new Random(11);
        for (int i = 0; i < 3; i++) {
            data[i] = random(seed, CHUNK + seed.nextInt(2 * CHUNK));
            bodies[i] = tar(data[i], 0);
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int me = t;
                runs.add(pool.submit(() -> {
                    Random rnd = new Random(me);
                    int replays = 0;
                    for (int i = 0; i < 12; i++) {
                        int which = rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0; // mostly the same body
                        ContextIndex index = index(bodies[which], budget, tmp.resolve(me + "-" + i), rnd);
                        try {
                            check(index, data[which]);
                            replays += index.replayed() ? 1 : 0;
                        } finally {
                            index.close();
                        }
                    }
                    return replays;
                }));
            }
            int replays = 0;
            for (var f : runs) {
                replays += f.get();
            }
            assertThat(replays).as("some builds repeated the retained body").isPositive();
        } finally {
            pool.shutdownNow();
        }
        budget.memo().forgetRetained();
        assertThat(budget.lent()).as("every chunk went back").isZero();
    }

    @Test
    void aClientThatLeavesWhileItsBodyIsComparedLeavesNoChunkBehind(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(16);
        Random rnd = new Random(13);
        byte[] data = random(rnd, 2 * CHUNK);
        byte[] body = tar(data, 0);
        index(body, budget, tmp.resolve("first"), rnd).close();
        int retained = budget.lent();
        for (int cut : new int[] {100, CHUNK, CHUNK + 5000, body.length - 1}) {
            InputStream gone = new java.io.SequenceInputStream(trickle(Arrays.copyOf(body, cut), rnd), new InputStream() {
                @Override
                public int read() throws IOException {
                    throw new IOException("the client closed the connection before the end of the request body");
                }
            });
            Path work = tmp.resolve("cut" + cut);
            Files.createDirectories(work);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContextIndex.read(gone, new ContextSpool(WorkDir.at(work), budget),
                    WorkDir.at(work), Set.of())).as("cut at %d", cut).hasMessageContaining("closed the connection");
            assertThat(budget.lent()).as("cut at %d", cut).isEqualTo(retained);
        }
        ContextIndex again = index(body, budget, tmp.resolve("again"), rnd);
        assertThat(again.replayed()).as("the retained body is still whole").isTrue();
        check(again, data);
        again.close();
    }

    @Test
    void chunksNoBuildTookForTheIdlePeriodAreUnmappedWhileTheRetainedBodyStays(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(16, 64 << 20, java.time.Duration.ofMinutes(10), java.time.Duration.ofMillis(300));
        Random rnd = new Random(17);
        byte[] one = random(rnd, 2 * CHUNK);
        index(tar(one, 0), budget, tmp.resolve("one"), rnd).close();
        byte[] two = random(rnd, 2 * CHUNK);
        index(tar(two, 0), budget, tmp.resolve("two"), rnd).close();
        assertThat(budget.lent()).as("the second body is retained").isEqualTo(3);
        assertThat(budget.kept()).as("the first body's chunks wait for the next build").isPositive();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (budget.kept() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(budget.kept()).as("unmapped after the idle period").isZero();
        assertThat(budget.lent()).isEqualTo(3);
        ContextIndex again = index(tar(two, 0), budget, tmp.resolve("again"), rnd);
        assertThat(again.replayed()).isTrue();
        check(again, two);
        again.close();
    }
}
