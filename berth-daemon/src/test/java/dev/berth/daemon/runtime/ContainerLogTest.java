package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ContainerLogTest {
    @TempDir
    Path dir;

    private static String line(int sec, String stream, String tag, String text) {
        return "2026-01-01T00:00:%02d.000000001+00:00 %s %s %s\n".formatted(sec, stream, tag, text);
    }

    private List<String> read(ContainerLog log, ContainerLog.Query q) throws Exception {
        List<String> out = new ArrayList<>();
        log.read(q, null, e -> out.add(e.stream() + ":" + new String(e.data(), StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void joinsPartialsAcrossRotatedFilesAndFilters() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = new ContainerLog(live, 3);
        Files.writeString(dir.resolve("c.log.2"), line(1, "stdout", "F", "one"));
        Files.writeString(dir.resolve("c.log.1"), line(2, "stdout", "F", "two") + line(3, "stdout", "P", "thr"));
        Files.writeString(live, line(4, "stdout", "F", "ee") + line(5, "stderr", "F", "err") + line(6, "stdout", "P", "tail"));
        var all = new ContainerLog.Query(true, true, null, null, -1);
        assertThat(read(log, all)).containsExactly("1:one\n", "1:two\n", "1:three\n", "2:err\n", "1:tail");
        assertThat(read(log, new ContainerLog.Query(false, true, null, null, -1))).containsExactly("2:err\n");
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, 2))).containsExactly("2:err\n", "1:tail");
        assertThat(read(log, new ContainerLog.Query(true, true, Instant.parse("2026-01-01T00:00:03Z"),
                Instant.parse("2026-01-01T00:00:05.5Z"), -1))).containsExactly("1:three\n", "2:err\n");
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, 0))).isEmpty();
    }

    /** What conmon does at its size limit: a new file renamed over the live one. */
    private static void conmonReplaces(Path live, String firstRecords) throws Exception {
        Path tmp = live.resolveSibling(live.getFileName() + ".tmp");
        Files.writeString(tmp, firstRecords);
        Files.move(tmp, live, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** A log whose live file, held, holds the line "a" and the head "he" of a line conmon has not finished. */
    private static ContainerLog heldWithAnOpenLine(Path live, int maxFiles) throws Exception {
        ContainerLog log = new ContainerLog(live, maxFiles);
        Files.writeString(live, line(1, "stdout", "F", "a") + line(2, "stdout", "P", "he"));
        log.holdLive();
        return log;
    }

    @Test
    void rotationKeepsAtMostMaxFiles() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = new ContainerLog(live, 2);
        Files.writeString(live, line(0, "stdout", "F", "n0"));
        for (int i = 1; i < 5; i++) {
            assertThat(log.hold()).isEqualTo(ContainerLog.Hold.NONE);
            log.holdLive();
            assertThat(log.hold()).isEqualTo(ContainerLog.Hold.LIVE);
            conmonReplaces(live, line(i, "stdout", "F", "n" + i));
            assertThat(log.hold()).isEqualTo(ContainerLog.Hold.REPLACED);
            log.retire(false);
        }
        assertThat(log.files()).containsExactly(dir.resolve("c.log.1"), live);
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, -1))).containsExactly("1:n3\n", "1:n4\n");
    }

    @Test
    void aReplacedFileIsReadBeforeItIsRetired() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = heldWithAnOpenLine(live, 3);
        assertThat(log.files()).containsExactly(live);
        conmonReplaces(live, line(3, "stdout", "F", "llo"));
        assertThat(log.files()).containsExactly(dir.resolve("c.log.held"), live);
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, -1))).containsExactly("1:a\n", "1:hello\n");
        log.deleteAll();
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void rotationThatDropsTheHeadOfALineSkipsItsRest() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = heldWithAnOpenLine(live, 2);
        // the rest of "hello" lands in the next file; a stderr line comes between its pieces
        conmonReplaces(live, line(3, "stderr", "F", "e1") + line(3, "stdout", "P", "ll") + line(3, "stdout", "F", "o")
                + line(4, "stdout", "F", "b"));
        log.retire(false);
        log.holdLive();
        conmonReplaces(live, line(5, "stdout", "F", "c"));
        log.retire(false); // drops the file holding "he"
        var all = new ContainerLog.Query(true, true, null, null, -1);
        assertThat(read(log, all)).containsExactly("2:e1\n", "1:b\n", "1:c\n");
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, 1))).containsExactly("1:c\n");

        // a dropped file that ended with a whole line leaves the next one as it is
        log.holdLive();
        conmonReplaces(live, line(6, "stdout", "F", "d"));
        log.retire(false);
        assertThat(read(log, all)).containsExactly("1:c\n", "1:d\n");
        log.deleteAll();
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void aFileLostBetweenTwoKeptOnesJoinsNothingAcrossTheGap() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = heldWithAnOpenLine(live, 4);
        // conmon replaced the file twice before it was held again: the one with "llo" and "wor" is gone
        conmonReplaces(live, line(3, "stdout", "F", "llo") + line(3, "stdout", "P", "wor"));
        conmonReplaces(live, line(4, "stdout", "F", "ld") + line(4, "stdout", "F", "b"));
        log.retire(true);
        log.holdLive();
        var all = new ContainerLog.Query(true, true, null, null, -1);
        // neither "he" nor "ld" is shown as a line: each is half of one
        assertThat(read(log, all)).containsExactly("1:a\n", "1:b\n");

        // found out only later (the loss was counted after the next file was held): the mark goes to the newest rotated file
        conmonReplaces(live, line(5, "stderr", "P", "x"));
        log.retire(false);
        log.holdLive();
        Files.writeString(live, line(6, "stderr", "F", "yz") + line(7, "stdout", "F", "c"), java.nio.file.StandardOpenOption.APPEND);
        log.markLost();
        assertThat(read(log, all)).containsExactly("1:a\n", "1:b\n", "1:c\n");

        // with one file allowed, the mark is the cut marker: the first line of what is kept goes
        Path one = dir.resolve("d.log");
        ContainerLog single = new ContainerLog(one, 1);
        Files.writeString(one, line(1, "stdout", "F", "rest") + line(2, "stdout", "F", "next"));
        single.markLost();
        assertThat(read(single, all)).containsExactly("1:next\n");
    }

    @Test
    void sealingBeforeARestartRetiresWhatIsFinished() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = new ContainerLog(live, 3);
        Files.writeString(live, line(1, "stdout", "F", "a"));
        log.holdLive();
        conmonReplaces(live, line(2, "stdout", "F", "b"));
        // the live file (47 bytes) is over half of a 90-byte limit, which a new conmon would count from here
        log.seal(90);
        // conmon, started again, creates its file anew
        assertThat(log.hold()).isEqualTo(ContainerLog.Hold.NO_LIVE);
        assertThat(log.files()).containsExactly(dir.resolve("c.log.2"), dir.resolve("c.log.1"), live);
        Files.writeString(live, line(3, "stdout", "F", "c"));
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, -1))).containsExactly("1:a\n", "1:b\n", "1:c\n");

        // a live file under half the limit stays, so restarts that say little keep their runs together;
        // with a single file allowed, the live one always goes on as it is
        for (int maxFiles : new int[] {3, 1}) {
            Path small = dir.resolve("s" + maxFiles + ".log");
            ContainerLog few = new ContainerLog(small, maxFiles);
            Files.writeString(small, line(1, "stdout", "F", "run"));
            few.holdLive();
            few.seal(maxFiles == 1 ? 1 : 1024);
            assertThat(few.files()).containsExactly(small);
            assertThat(few.hold()).isEqualTo(ContainerLog.Hold.NONE);
            assertThat(read(few, new ContainerLog.Query(true, true, null, null, -1))).containsExactly("1:run\n");
        }
    }

    @Test
    void recordTimesReadAsTheGeneralParserReadsThem() {
        for (String t : List.of("2026-11-24T14:09:26.846173446+00:00", "2024-02-29T23:59:59.999999999-05:30",
                "1999-12-31T00:00:00.000000001+14:00", "2026-01-01T00:00:01Z", "2026-01-01T00:00:01.5+01:00")) {
            byte[] a = ("x" + t + " ").getBytes(StandardCharsets.US_ASCII);
            assertThat(ContainerLog.recordTime(a, 1, t.length())).as(t).isEqualTo(java.time.OffsetDateTime.parse(t).toInstant());
        }
        for (String bad : List.of("2026-02-30T00:00:00.000000000+00:00", "2026-13-01T00:00:00.000000000+00:00",
                "2026-01-01T24:00:00.000000000+00:00", "2026-01-0xT00:00:00.000000000+00:00", "stdout")) {
            byte[] a = bad.getBytes(StandardCharsets.US_ASCII);
            assertThat(ContainerLog.recordTime(a, 0, a.length)).as(bad).isNull();
        }
    }

    @Test
    void followStopsWhenTheContainerDoes() throws Exception {
        Path live = dir.resolve("c.log");
        Files.writeString(live, line(1, "stdout", "F", "a"));
        ContainerLog log = new ContainerLog(live, 2);
        List<String> out = new ArrayList<>();
        long[] calls = {0};
        log.read(new ContainerLog.Query(true, true, null, null, -1), new ContainerLog.Follow(() -> {
            if (calls[0]++ == 1) {
                try {
                    Files.writeString(live, line(2, "stdout", "F", "b"), java.nio.file.StandardOpenOption.APPEND);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }
            return calls[0] < 4;
        }, null, java.time.Duration.ofMillis(10)), e -> out.add(new String(e.data(), StandardCharsets.UTF_8)));
        assertThat(out).containsExactly("a\n", "b\n");
    }

    @Test
    void followReadsEveryFileConmonFinishedBetweenTwoLooks() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = heldWithAnOpenLine(live, 5);
        List<String> out = new ArrayList<>();
        long[] calls = {0};
        log.read(new ContainerLog.Query(true, true, null, null, -1), new ContainerLog.Follow(() -> {
            if (calls[0]++ == 1) {
                try {
                    // two rotations between two looks: the follower must not skip the file in the middle
                    conmonReplaces(live, line(3, "stdout", "F", "llo") + line(3, "stdout", "F", "b"));
                    log.retire(false);
                    log.holdLive();
                    conmonReplaces(live, line(4, "stdout", "F", "c"));
                    log.retire(false);
                    log.holdLive();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }
            return calls[0] < 4;
        }, null, java.time.Duration.ofMillis(10)), e -> out.add(new String(e.data(), StandardCharsets.UTF_8)));
        assertThat(out).containsExactly("a\n", "hello\n", "b\n", "c\n");
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void followEndsAsSoonAsTheContainerStopsNotAtTheNextCheck() throws Exception {
        Path live = dir.resolve("c.log");
        Files.writeString(live, line(1, "stdout", "F", "a"));
        ContainerLog log = new ContainerLog(live, 2);
        java.util.concurrent.CompletableFuture<Integer> exit = new java.util.concurrent.CompletableFuture<>();
        List<String> out = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread container = Thread.ofVirtual().start(() -> {
            try {
                while (out.isEmpty()) {
                    Thread.sleep(5);
                }
                // the last line, written just before the exit is known
                Files.writeString(live, line(2, "stdout", "F", "b"), java.nio.file.StandardOpenOption.APPEND);
                exit.complete(0);
            } catch (Exception e) {
                exit.completeExceptionally(e);
            }
        });
        // with checks an hour apart, only the exit can end this read within the test's timeout
        log.read(new ContainerLog.Query(true, true, null, null, -1),
                new ContainerLog.Follow(() -> !exit.isDone(), exit, java.time.Duration.ofHours(1)),
                e -> out.add(new String(e.data(), StandardCharsets.UTF_8)));
        container.join();
        assertThat(out).containsExactly("a\n", "b\n");
    }
}
