package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker exec} without a TTY through the real docker CLI. */
class ExecTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void container() {
        berthd.importBusybox("busybox");
        berthd.dockerOk("run", "-d", "--name", "target", "-e", "CV=1", "busybox", "sleep", "300");
    }

    @AfterAll
    static void cleanup() {
        berthd.docker("rm", "-f", "target");
    }


    @Test
    void outputStreamsAndExitCode() {
        CommandResult r = berthd.docker("exec", "target", "sh", "-c", "echo out $CV; echo err >&2; exit 4");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.stdout()).isEqualTo("out 1\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    @Test
    void stdinUserWorkdirAndEnv() {
        assertThat(berthd.dockerWithInput("piped\n".getBytes(), "exec", "-i", "target", "cat").stdout()).isEqualTo("piped\n");
        assertThat(berthd.dockerOk("exec", "-u", "nobody", "-w", "/tmp", "-e", "X=2", "target", "sh", "-c", "id -u; pwd; echo $X $CV").out())
                .isEqualTo("65534\n/tmp\n2 1");
    }

    @Test
    void missingCommandIs127WithDockersMessage() {
        CommandResult r = berthd.docker("exec", "target", "nosuch");
        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.stderr()).contains("OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuch\": "
                + "executable file not found in $PATH: unknown");
    }

    @Test
    void detachedExecRunsOnItsOwn() throws Exception {
        berthd.dockerOk("exec", "-d", "target", "sh", "-c", "echo detached > /tmp/d");
        Thread.sleep(500);
        assertThat(berthd.dockerOk("exec", "target", "cat", "/tmp/d").out()).isEqualTo("detached");
        assertThat(berthd.dockerOk("inspect", "-f", "{{len .ExecIDs}}", "target").out()).isNotEqualTo("0");
    }

    @Test
    void refusedWhereItCannotRun() {
        String stopped = berthd.dockerOk("create", "busybox", "true").out();
        assertThat(berthd.docker("exec", stopped, "true").stderr()).contains("is not running");
        berthd.dockerOk("rm", stopped);
        assertThat(berthd.docker("exec", "nosuchcontainer", "true").stderr()).contains("No such container");
        // not yet: a terminal for exec needs conmon's exec support
        assertThat(berthd.docker("exec", "-t", "target", "true").stderr()).contains("exec with a TTY (-t) is not supported");
    }
}
