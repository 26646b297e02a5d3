package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConmonRuntimeTest {
    @Test
    void processStartedMatchesPidAndStartTime() throws Exception {
        long pid = ProcessHandle.current().pid();
        String stat = Files.readString(Path.of("/proc/self/stat"));
        long start = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
        assertThat(ConmonRuntime.processStarted(pid, start)).isTrue();
        // a recycled PID: same number, another process
        assertThat(ConmonRuntime.processStarted(pid, start + 1)).isFalse();
        assertThat(ConmonRuntime.processStarted(0, start)).isFalse();
    }

    @Test
    void anExitedProcessIsNotStarted() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long pid = p.pid();
        p.waitFor();
        assertThat(ConmonRuntime.processStarted(pid, 0)).isFalse();
    }

    @Test
    void conmonPidIsReadOncePerRunAndForgottenWithTheContainer(@TempDir Path dir) throws Exception {
        ConmonRuntime rt = new ConmonRuntime("true", "runc", dir.resolve("runc"), dir.resolve("exits"), dir.resolve("sock"));
        String id = "a".repeat(64);
        Path bundle = Files.createDirectories(dir.resolve(id));
        Process monitor = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(bundle.resolve("conmon.pid"), Long.toString(monitor.pid()));
            assertThat(rt.conmonPid(bundle)).isEqualTo(monitor.pid());
            // later polls do not read the file again
            Files.writeString(bundle.resolve("conmon.pid"), "1");
            assertThat(rt.conmonPid(bundle)).isEqualTo(monitor.pid());
            monitor.destroyForcibly().waitFor();
            assertThat(rt.conmonPid(bundle)).isZero();
            Files.writeString(bundle.resolve("conmon.pid"), Long.toString(ProcessHandle.current().pid()));
            assertThat(rt.conmonPid(bundle)).isEqualTo(ProcessHandle.current().pid());
            Files.delete(bundle.resolve("conmon.pid"));
            rt.forget(id);
            assertThat(rt.conmonPid(bundle)).isZero();
        } finally {
            monitor.destroyForcibly();
        }
    }
}
