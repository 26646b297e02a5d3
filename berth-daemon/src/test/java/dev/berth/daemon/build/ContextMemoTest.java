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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            for (var f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey(), true);
                e.setSize(f.getValue().length);
                e.setMode(0644);
                t.putArchiveEntry(e);
                t.write(f.getValue());
                t.closeArchiveEntry();
            }
            t.finish();
        }
        return bytes.toByteArray();
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
        assertThat(budget.memo().held()).as("2.4 s after the first build, 1.2 s after the last").isEqualTo(200 * K);
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

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
