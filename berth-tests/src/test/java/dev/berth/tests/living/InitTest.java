package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --init}: a static tini as PID 1 reaps orphans and forwards signals, through docker and berth. */
class InitTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static String states(String c) throws InterruptedException {
        // the orphan has had time to exit: with an init it is reaped, without one it stays a zombie
        Thread.sleep(1500);
        return berthd.dockerOk("exec", c, "ps", "-o", "stat,comm").out();
    }

    @Test
    void initIsPidOneReapsOrphansAndForwardsSignals() throws Exception {
        assertThat(berthd.dockerOk("run", "--rm", "--init", "busybox", "cat", "/proc/1/cmdline").out().replace('\0', ' ').strip())
                .isEqualTo("/sbin/docker-init -- cat /proc/1/cmdline");
        assertThat(berthd.berthOk("run", "--rm", "--init", "busybox", "cat", "/proc/1/cmdline").out().replace('\0', ' ').strip())
                .isEqualTo("/sbin/docker-init -- cat /proc/1/cmdline");
        String script = "(sleep 0.3 &) ; exec sleep 300";
        String with = berthd.dockerOk("run", "-d", "--init", "busybox", "sh", "-c", script).out();
        String without = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", script).out();
        assertThat(states(without)).containsPattern("(?m)^Z");
        assertThat(states(with)).doesNotContainPattern("(?m)^Z");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.HostConfig.Init}}", with).out()).isEqualTo("true");
        // SIGTERM reaches sleep through the init (sleep as PID 1 would ignore it and be killed at the timeout)
        berthd.dockerOk("stop", "-t", "30", with);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.ExitCode}}", with).out()).isEqualTo("143");
        berthd.dockerOk("rm", "-f", with, without);
    }
}
