package dev.berth.daemon.build;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memo of recent contexts' files: whatever was sent before, and however a file changed since
 * (one byte anywhere, its length, its path), every checksum a context index gives is the sha256
 * of the bytes sent this time; and the memo keeps its bounds.
 */
class ContextMemoTest {
    private static final int K = 1024;

    private static byte[] tar(Map<String, byte[]> files) throws IOException {
        return tarWithLink(files, null, null);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Indexes {@code files} sent as a context and checks each checksum against the bytes. */
    private static void indexAndCheck(Map<String, byte[]> files, ContextSpool.Budget budget, Path work) throws Exception {
        Files.createDirectories(work);
        ContextIndex index = ContextIndex.read(new ByteArrayInputStream(tar(files)), new ContextSpool(WorkDir.at(work), budget),
                WorkDir.at(work), Set.of());
        try {
            for (var f : files.entrySet()) {
                assertThat(index.entry(f.getKey()).digest()).as(f.getKey()).isEqualTo(sha256(f.getValue()));
            }
        } finally {
            index.close();
        }
    }

    @Test
    void aChecksumIsAlwaysTheSha256OfTheBytesSentThisTime(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(8);
        Random rnd = new Random(42);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            files.put("data/f" + i, random(rnd, 64 * K + rnd.nextInt(600 * K)));
        }
        files.put("small", random(rnd, 1000));
        for (int round = 0; round < 40; round++) {
            indexAndCheck(files, budget, tmp.resolve("r" + round));
            // the next context: most files as they were, some changed as editors change them
            for (String p : new ArrayList<>(files.keySet())) {
                byte[] b = files.get(p).clone();
                switch (p.equals("small") ? rnd.nextInt(3) : rnd.nextInt(8)) {
                    case 0 -> b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255)); // one byte anywhere
                    case 1 -> b[b.length - 1] ^= 1; // the very last byte
                    case 2 -> b[0] ^= 1; // the very first
                    case 3 -> b = java.util.Arrays.copyOf(b, b.length + 1 + rnd.nextInt(100 * K)); // longer
                    case 4 -> b = java.util.Arrays.copyOf(b, Math.max(1, b.length - 1 - rnd.nextInt(b.length / 2))); // shorter
                    default -> { } // the same
                }
                files.put(p, b);
            }
            if (rnd.nextInt(5) == 0) { // two files trade contents (same sizes, other paths)
                byte[] a = files.get("data/f0");
                files.put("data/f0", files.get("data/f1"));
                files.put("data/f1", a);
            }
        }
        assertThat(budget.memo().sizes()).as("the large files are remembered, the small one is not")
                .containsKeys("data/f0", "data/f5").doesNotContainKey("small");
    }

    @Test
    void staysWithinItsLimitDroppingTheLeastRecentlyUsed(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(8, 1 << 20);
        Random rnd = new Random(1);
        Map<String, byte[]> first = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            first.put("a" + i, random(rnd, 300 * K));
        }
        indexAndCheck(first, budget, tmp.resolve("one"));
        assertThat(budget.memo().sizes()).containsOnlyKeys("a0", "a1", "a2");
        Map<String, byte[]> second = new LinkedHashMap<>();
        second.put("b0", random(rnd, 400 * K));
        second.put("huge", random(rnd, 2 << 20)); // larger than the whole memo: hashed, never kept
        indexAndCheck(second, budget, tmp.resolve("two"));
        assertThat(budget.memo().held()).isLessThanOrEqualTo(1 << 20);
        assertThat(budget.memo().sizes()).containsKey("b0").doesNotContainKeys("a0", "huge");
        budget.memo().clear();
        assertThat(budget.memo().held()).isZero();
        indexAndCheck(first, budget, tmp.resolve("three")); // hashed again from scratch
    }

    @Test
    void goesOnceNoBuildUsedItForItsIdlePeriod(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(8, 8 << 20, java.time.Duration.ofSeconds(2));
        Map<String, byte[]> files = Map.of("big", random(new Random(3), 200 * K));
        indexAndCheck(files, budget, tmp.resolve("a"));
        Thread.sleep(1200);
        indexAndCheck(files, budget, tmp.resolve("b")); // used again: the idle period starts over
        Thread.sleep(1200);
        assertThat(budget.memo().sizes()).as("2.4 s after the first build, 1.2 s after the last").containsEntry("big", 200L * K);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (budget.memo().held() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(budget.memo().held()).isZero();
        assertThat(budget.memo().sizes()).isEmpty();
        assertThat(budget.lent()).as("the retained last body went with it").isZero();
    }

    @Test
    void buildsAtOnceShareTheMemoSafely(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(32, 2 << 20);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Void>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                runs.add(pool.submit((Callable<Void>) () -> {
                    Random rnd = new Random(seed);
                    byte[] shared = random(new Random(99), 500 * K);
                    for (int i = 0; i < 15; i++) {
                        Map<String, byte[]> files = new LinkedHashMap<>();
                        byte[] mine = shared.clone();
                        if (rnd.nextBoolean()) {
                            mine[rnd.nextInt(mine.length)] ^= 1;
                        }
                        files.put("same/path", mine);
                        files.put("other" + rnd.nextInt(3), random(rnd, 200 * K));
                        indexAndCheck(files, budget, tmp.resolve(seed + "-" + i));
                    }
                    return null;
                }));
            }
            for (Future<Void> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(budget.memo().held()).isLessThanOrEqualTo(2 << 20);
        budget.memo().forgetRetained();
        assertThat(budget.lent()).as("every chunk went back").isZero();
    }

    @Test
    void aRecordingMakesTheRetainedBodyGoOnlyForAFileOfAnotherContext(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(8, 1 << 20);
        ContextMemo memo = budget.memo();
        Random rnd = new Random(8);
        Map<String, byte[]> a = new LinkedHashMap<>();
        a.put("a", random(rnd, 600 * K));
        a.put("b", random(rnd, 200 * K));
        indexAndCheck(a, budget, tmp.resolve("a"));
        assertThat(memo.sizes()).containsOnlyKeys("a", "b");

        // a rebuild of the same context records its changed file only if there is room: the body stays for the rest
        assertThat(memo.record("a", 600 * K)).as("no room, and the body has that path").isNull();
        assertThat(memo.sizes()).containsOnlyKeys("a", "b");
        ContextMemo.Recording other = memo.record("elsewhere", 600 * K);
        assertThat(other).as("a file of another context makes room").isNotNull();
        assertThat(memo.sizes()).doesNotContainKeys("a", "b");
        other.abandon();
        assertThat(memo.held()).isZero();
        assertThat(budget.lent()).isZero();
    }

    /** The bytes the memo remembers for {@code path}, or null. */
    private static byte[] remembered(ContextMemo memo, String path, long size) {
        ContextMemo.Remembered r = memo.find(path, size);
        if (r == null) {
            return null;
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            r.prefix(size, part -> out.writeBytes(part.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            return out.toByteArray();
        } finally {
            r.done();
        }
    }

    @Test
    void theLastBodyHoldsItsOwnFilesWhereTheyLieAndTheOnesItReplacesAreCopiedOut(@TempDir Path tmp) throws Exception {
        ContextSpool.Budget budget = new ContextSpool.Budget(32);
        ContextMemo memo = budget.memo();
        Random rnd = new Random(21);
        Map<String, byte[]> a = new LinkedHashMap<>();
        a.put("small", random(rnd, 3000)); // its padding moves what follows off a 512-byte multiple of the data
        a.put("dir/" + "long-name-".repeat(20) + "x", random(rnd, 700 * K)); // a PAX header before it
        a.put("across", random(rnd, 1200 * K)); // crosses a chunk boundary
        a.put("tail", random(rnd, 64 * K));
        byte[] body = tarWithLink(a, "across", "link-to-across");
        Files.createDirectories(tmp.resolve("a"));
        ContextIndex first = ContextIndex.read(new ByteArrayInputStream(body), new ContextSpool(WorkDir.at(tmp.resolve("a")), budget),
                WorkDir.at(tmp.resolve("a")), Set.of());
        first.close();
        for (var f : a.entrySet()) {
            if (f.getValue().length >= ContextMemo.MIN_SIZE) {
                assertThat(remembered(memo, f.getKey(), f.getValue().length)).as(f.getKey()).isEqualTo(f.getValue());
            }
        }
        assertThat(remembered(memo, "link-to-across", a.get("across").length)).isEqualTo(a.get("across"));
        assertThat(remembered(memo, "small", 3000)).as("too small to keep").isNull();
        ContextMemo.Remembered across = memo.find("across", 1200 * K);
        try {
            byte[] bytes = a.get("across");
            for (int at : new int[] {0, 1, 400 * K, 800 * K, 1200 * K - 1}) { // pieces that cross the body's chunk boundary among them
                byte[] rest = java.util.Arrays.copyOfRange(bytes, at, bytes.length);
                assertThat(across.matches(at, java.lang.foreign.MemorySegment.ofArray(rest))).as("from %d", at).isTrue();
                rest[rest.length / 2] ^= 1;
                assertThat(across.matches(at, java.lang.foreign.MemorySegment.ofArray(rest))).as("changed, from %d", at).isFalse();
            }
            assertThat(across.matches(1, java.lang.foreign.MemorySegment.ofArray(bytes))).as("past the end").isFalse();
        } finally {
            across.done();
        }
        assertThat(memo.held()).as("the retained body is all the memo holds: no copies beside it").isEqualTo(body.length);

        // one file changed: compared with the retained body, only it hashed, and the memo holds the new body alone
        Map<String, byte[]> a2 = new LinkedHashMap<>(a);
        byte[] changed = a.get("across").clone();
        changed[changed.length / 2] ^= 1;
        a2.put("across", changed);
        indexAndCheck(a2, budget, tmp.resolve("a2"));
        assertThat(remembered(memo, "across", changed.length)).isEqualTo(changed);
        assertThat(remembered(memo, "link-to-across", a.get("across").length)).as("the link, which the new body lacks, copied out")
                .isEqualTo(a.get("across"));
        assertThat(memo.held()).isEqualTo(tar(a2).length + 1200L * K);

        // another context: the files of the last one that it does not have are copied out of it
        Map<String, byte[]> b = new LinkedHashMap<>();
        b.put("other", random(rnd, 300 * K));
        b.put("tail", random(rnd, 64 * K)); // same path, other bytes: the old one is not kept
        indexAndCheck(b, budget, tmp.resolve("b"));
        assertThat(remembered(memo, "across", changed.length)).as("copied out").isEqualTo(changed);
        assertThat(remembered(memo, "dir/" + "long-name-".repeat(20) + "x", 700 * K)).isEqualTo(a.get("dir/" + "long-name-".repeat(20) + "x"));
        assertThat(remembered(memo, "tail", 64 * K)).isEqualTo(b.get("tail"));
        assertThat(memo.held()).as("the new body and three copies").isEqualTo(tar(b).length + 700L * K + 2 * 1200L * K);
        memo.clear();
        assertThat(memo.held()).isZero();
        assertThat(budget.lent()).isZero();
    }

    /** A plain tar of {@code files} (long names as PAX headers) and, unless {@code link} is null, a hard link to {@code target}. */
    private static byte[] tarWithLink(Map<String, byte[]> files, String target, String link) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey(), true);
                e.setSize(f.getValue().length);
                e.setMode(0644);
                t.putArchiveEntry(e);
                t.write(f.getValue());
                t.closeArchiveEntry();
            }
            if (link != null) {
                TarArchiveEntry l = new TarArchiveEntry(link, org.apache.commons.compress.archivers.tar.TarConstants.LF_LINK, true);
                l.setLinkName(target);
                t.putArchiveEntry(l);
                t.closeArchiveEntry();
            }
            t.finish();
        }
        return bytes.toByteArray();
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
