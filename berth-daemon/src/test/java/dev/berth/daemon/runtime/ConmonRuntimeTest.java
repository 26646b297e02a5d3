package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;

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
}
