package dev.berth.tests.security;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * daemon.json {@code "userns-remap": "default"}: berthd creates the user {@code dockremap} and gives it
 * subordinate ranges, as dockerd does. What this test's berthd created (and only that) is removed afterwards.
 */
class UsernsRemapDefaultTest {
    private static final String USER = "dockremap";
    private static final boolean USER_EXISTED = BerthdFixture.run(List.of("id", USER), null, Map.of()).exitCode() == 0;
    private static final boolean RANGES_EXISTED = RemapUser.hasRanges(USER);
    private static final Path CONFIG = config();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(UsernsRemapDefaultTest::removeWhatWeMade));
    }

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--config-file", CONFIG.toString());

    private static Path config() {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "bit-userns-");
            return Files.writeString(dir.resolve("daemon.json"), "{\"userns-remap\": \"default\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static synchronized void removeWhatWeMade() {
        if (!USER_EXISTED) {
            BerthdFixture.run(List.of("userdel", USER), null, Map.of());
        }
        if (!RANGES_EXISTED) {
            RemapUser.dropRanges(USER);
        }
        BerthdFixture.run(List.of("rm", "-rf", CONFIG.getParent().toString()), null, Map.of());
    }

    @Test
    void defaultCreatesDockremapWithRangesAndUsesThem() throws IOException, InterruptedException {
        assertThat(BerthdFixture.run(List.of("id", "-u", USER), null, Map.of()).exitCode()).isZero();
        long start = RemapUser.firstSubuid(USER);
        assertThat(berthd.dockerOk("info", "--format", "{{.DockerRootDir}}").out())
                .isEqualTo(berthd.dataRoot().resolve(start + "." + start).toString());
        berthd.importBusybox("busybox:default-remap");
        assertThat(berthd.dockerOk("run", "--rm", "busybox:default-remap", "cat", "/proc/self/uid_map").out().split("\\s+"))
                .containsExactly("0", "" + start, "65536");
        // a running container survives a daemon restart and can still be entered
        berthd.dockerOk("run", "-d", "--name", "kept", "busybox:default-remap", "sleep", "300");
        Path stale = berthd.execRoot().resolve("userns").resolve("0123456789ab");
        Files.createFile(stale); // as a crash between unpinning a network namespace and its user namespace leaves
        try {
            berthd.restart();
            assertThat(stale).doesNotExist();
            assertThat(berthd.execRoot().resolve("userns").resolve(
                    berthd.dockerOk("inspect", "--format", "{{.Id}}", "kept").out())).exists();
            assertThat(berthd.dockerOk("exec", "kept", "id", "-u").out()).isEqualTo("0");
            berthd.dockerOk("restart", "-t", "0", "kept");
            assertThat(berthd.dockerOk("exec", "kept", "cat", "/proc/self/uid_map").out().split("\\s+"))
                    .containsExactly("0", "" + start, "65536");
        } finally {
            berthd.docker("rm", "-f", "kept");
        }
    }
}
