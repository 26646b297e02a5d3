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

    @Test
    void rotationKeepsAtMostMaxFiles() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = new ContainerLog(live, 2);
        for (int i = 0; i < 4; i++) {
            Files.writeString(live, line(i, "stdout", "F", "n" + i));
            log.rotate();
        }
        Files.writeString(live, line(9, "stdout", "F", "last"));
        assertThat(log.files()).containsExactly(dir.resolve("c.log.1"), live);
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, -1))).containsExactly("1:n3\n", "1:last\n");
    }

    @Test
    void rotationThatDropsTheHeadOfALineSkipsItsRest() throws Exception {
        Path live = dir.resolve("c.log");
        ContainerLog log = new ContainerLog(live, 2);
        Files.writeString(live, line(1, "stdout", "F", "a") + line(2, "stdout", "P", "he"));
        log.rotate();
        // the rest of "hello" lands in the next file; a stderr line comes between its pieces
        Files.writeString(live, line(3, "stderr", "F", "e1") + line(3, "stdout", "P", "ll") + line(3, "stdout", "F", "o")
                + line(4, "stdout", "F", "b"));
        log.rotate(); // drops the file holding "he"
        Files.writeString(live, line(5, "stdout", "F", "c"));
        var all = new ContainerLog.Query(true, true, null, null, -1);
        assertThat(read(log, all)).containsExactly("2:e1\n", "1:b\n", "1:c\n");
        assertThat(read(log, new ContainerLog.Query(true, true, null, null, 1))).containsExactly("1:c\n");

        // a dropped file that ended with a whole line leaves the next one as it is
        log.rotate();
        Files.writeString(live, line(6, "stdout", "F", "d"));
        assertThat(read(log, all)).containsExactly("1:c\n", "1:d\n");
        log.deleteAll();
        assertThat(dir.toFile().list()).isEmpty();
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
