package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Restart policies across berthd restarts: {@code always} and {@code unless-stopped} come back, a manual stop ends them. */
class RestartAcrossBerthdTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static String awaitState(String id, String want) throws InterruptedException {
        String got = "";
        for (int i = 0; i < 150 && !got.equals(want); i++) {
            Thread.sleep(100);
            got = berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", id).out();
        }
        return got;
    }

    @Test
    void alwaysAndUnlessStoppedComeBackAfterBerthdRestarts() throws Exception {
        String always = berthd.dockerOk("run", "-d", "--restart", "always", "busybox", "sleep", "300").out();
        String unless = berthd.dockerOk("run", "-d", "--restart", "unless-stopped", "busybox", "sleep", "300").out();
        String stopped = berthd.dockerOk("run", "-d", "--restart", "always", "busybox", "sleep", "300").out();
        berthd.dockerOk("stop", "-t", "0", stopped);
        // an orderly restart: they keep running
        berthd.restart();
        assertThat(awaitState(always, "running 0")).isEqualTo("running 0");
        assertThat(awaitState(unless, "running 0")).isEqualTo("running 0");
        // berthd killed, and the containers' processes die while it is down: they are restarted when it is back
        berthd.kill9();
        for (String id : new String[] {always, unless}) {
            BerthdFixture.run(List.of("runc", "--root", berthd.execRoot().resolve("runc").toString(), "kill", id, "KILL"), null, Map.of());
        }
        Thread.sleep(1000);
        berthd.restart();
        assertThat(awaitState(always, "running 1")).isEqualTo("running 1");
        assertThat(awaitState(unless, "running 1")).isEqualTo("running 1");
        // a container a client stopped stays stopped
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}}", stopped).out()).isEqualTo("exited");
        berthd.dockerOk("rm", "-f", always, unless, stopped);
    }
}
