package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogKeeperTest {
    @TempDir
    Path dir;

    private static String record(int i) {
        return "2026-01-01T00:00:%02d.000000001+00:00 stdout F n%d\n".formatted(i, i);
    }

    /** Waits until the keeper holds the live file, as it must before conmon replaces it again. */
    private static void awaitHeld(ContainerLog log) throws InterruptedException {
        while (log.hold() != ContainerLog.Hold.LIVE) {
            Thread.sleep(5);
        }
    }

    @Test
    @Timeout(20)
    void everyFileConmonReplacesIsKeptInOrder() throws Exception {
        Path live = dir.resolve("container.log");
        ContainerLog log = new ContainerLog(live, 10);
        try (LogKeeper keeper = new LogKeeper()) {
            keeper.keep("c", log, false);
            // conmon's first file is created in place; later ones are renamed over it
            Files.writeString(live, record(0));
            awaitHeld(log);
            for (int i = 1; i < 6; i++) {
                Path tmp = dir.resolve("container.log.tmp");
                Files.writeString(tmp, record(i));
                Files.move(tmp, live, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                awaitHeld(log);
            }
            keeper.forget("c");
        }
        assertThat(log.files()).hasSize(6).endsWith(live);
        List<String> out = new ArrayList<>();
        log.read(new ContainerLog.Query(true, true, null, null, -1), null, e -> out.add(new String(e.data(), StandardCharsets.UTF_8)));
        assertThat(out).containsExactly("n0\n", "n1\n", "n2\n", "n3\n", "n4\n", "n5\n");
    }
}
