package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A container killed for exceeding its memory limit: OOMKilled in inspect, exit 137, an oom event before die. */
class OomTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    @Test
    void oomKilledAndItsEvent() {
        String since = String.format("%.9f", System.currentTimeMillis() / 1000.0 - 1);
        // tail keeps every "line" of /dev/zero (which has no newline) in memory until the limit kills it
        String c = berthd.dockerOk("run", "-d", "--memory", "16m", "--memory-swap", "16m", "busybox", "tail", "/dev/zero").out();
        assertThat(berthd.dockerOk("wait", c).out()).isEqualTo("137");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", c).out()).isEqualTo("true 137");
        String until = String.format("%.9f", System.currentTimeMillis() / 1000.0);
        assertThat(berthd.dockerOk("events", "--since", since, "--until", until, "--filter", "container=" + c,
                "--format", "{{.Action}}").out().lines().toList()).containsSubsequence("oom", "die");
        berthd.dockerOk("rm", c);
    }
}
