package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link NsExec} leaves to runc: every exec it cannot start exactly as runc would. Each case is declined
 * before anything runs (the helper here is {@code /bin/false}, so a case that got through would start it and
 * return a process instead of null).
 */
class NsExecTest {
    private static final String PROCESS = """
            {"terminal": %s, "user": {"uid": 0, "gid": 0}, "args": ["true"], "env": ["PATH=/bin"], "cwd": "/",
             "capabilities": {"bounding": [%s], "effective": [], "permitted": []},
             "rlimits": [{"type": "%s", "soft": 1, "hard": 1}], "noNewPrivileges": false %s}
            """;

    @TempDir
    Path dir;

    private NsExec nsExec() {
        return new NsExec(Path.of("/bin/false"), dir.resolve("runc"));
    }

    /** runc's state of container "c" with this JVM as its init, started {@code start} ticks after boot. */
    private void state(long start) throws Exception {
        Path d = Files.createDirectories(dir.resolve("runc").resolve("c"));
        Files.writeString(d.resolve("state.json"), """
                {"init_process_pid": %d, "init_process_start": %d, "config": {"namespaces": []}, "namespace_paths": {},
                 "cgroup_paths": {}}
                """.formatted(ProcessHandle.current().pid(), start));
    }

    private Process start(boolean terminal, String cap, String rlimit, String extra) throws Exception {
        Path spec = dir.resolve("exec.json");
        Files.writeString(spec, PROCESS.formatted(terminal, cap, rlimit, extra));
        return nsExec().start("c", spec, dir.resolve("exec.log"), dir.resolve("exec.pid"));
    }

    private static long ownStart() {
        return ConmonRuntime.startTime(ProcessHandle.current().pid());
    }

    @Test
    void aTerminalOrAnSelinuxLabelIsRuncs() throws Exception {
        state(ownStart());
        assertThat(start(true, "", "RLIMIT_NOFILE", "")).isNull();
        assertThat(start(false, "", "RLIMIT_NOFILE", ", \"selinuxLabel\": \"system_u:system_r:container_t:s0\"")).isNull();
    }

    @Test
    void aContainerRuncDoesNotKnowOrWhoseInitIsGoneIsRuncs() throws Exception {
        assertThat(start(false, "", "RLIMIT_NOFILE", "")).isNull(); // no state at all
        state(ownStart() + 1); // the pid now names another process than runc's init
        assertThat(start(false, "", "RLIMIT_NOFILE", "")).isNull();
    }

    @Test
    void whatRuncWouldTakeFromTheContainerIsRuncs() throws Exception {
        state(ownStart());
        Path spec = dir.resolve("exec.json");
        Files.writeString(spec, """
                {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["true"], "env": [], "cwd": "/"}
                """);
        assertThat(nsExec().start("c", spec, dir.resolve("exec.log"), dir.resolve("exec.pid"))).isNull();
    }

    @Test
    void aCapabilityOrLimitItCannotNameIsRuncs() throws Exception {
        state(ownStart());
        assertThat(start(false, "\"CAP_FUTURE\"", "RLIMIT_NOFILE", "")).isNull();
        assertThat(start(false, "\"CAP_CHOWN\"", "RLIMIT_FUTURE", "")).isNull();
    }

    @Test
    void otherwiseTheHelperRuns() throws Exception {
        state(ownStart());
        Process p = start(false, "\"CAP_CHOWN\"", "RLIMIT_NOFILE", "");
        assertThat(p).isNotNull();
        assertThat(p.waitFor()).isEqualTo(1); // /bin/false, given "exec" and the spec
    }
}
