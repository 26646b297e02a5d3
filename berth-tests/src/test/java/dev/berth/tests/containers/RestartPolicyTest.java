package dev.berth.tests.containers;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Restart policies, and HostConfig features berthd refuses rather than silently ignores. */
class RestartPolicyTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }


    private static String awaitInspect(String id, String format, String want) throws InterruptedException {
        String got = null;
        for (int i = 0; i < 100; i++) {
            got = berthd.dockerOk("inspect", "-f", format, id).out();
            if (got.equals(want)) {
                return got;
            }
            Thread.sleep(100);
        }
        return got;
    }

    @Test
    void onFailureRetriesUpToTheLimit() throws Exception {
        // a crash-looping container, started through berth: three restarts, then it stays down
        String id = berthd.berthOk("run", "-d", "--restart", "on-failure:3", "busybox", "sh", "-c", "echo run; exit 1").out();
        assertThat(awaitInspect(id, "{{.State.Status}} {{.RestartCount}}", "exited 3")).isEqualTo("exited 3");
        Thread.sleep(1500);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", id).out()).isEqualTo("exited 3 1");
        assertThat(berthd.dockerOk("logs", id).out()).isEqualTo("run\nrun\nrun\nrun");
        berthd.dockerOk("rm", id);
    }

    @Test
    void alwaysRestartsUntilStopped() throws Exception {
        String id = berthd.dockerOk("run", "-d", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2").out();
        for (int i = 0; i < 100 && Integer.parseInt(berthd.dockerOk("inspect", "-f", "{{.RestartCount}}", id).out()) < 2; i++) {
            Thread.sleep(100);
        }
        assertThat(Integer.parseInt(berthd.dockerOk("inspect", "-f", "{{.RestartCount}}", id).out())).isGreaterThanOrEqualTo(2);
        berthd.dockerOk("stop", "-t", "1", id);
        Thread.sleep(1500);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}}", id).out()).isEqualTo("exited");
        berthd.dockerOk("rm", "-f", id);
    }

    /**
     * {@code rm -f} of a running container answers for the removal it asked for: the kill's exit neither
     * restarts the container nor lets its {@code --rm} removal win and answer "removal ... already in
     * progress" (as it did now and then: the remove killed first and marked the container afterwards).
     */
    @Test
    void forceRemovingARunningContainerRemovesItWhateverItsPolicy() throws Exception {
        for (int i = 0; i < 5; i++) {
            String auto = berthd.dockerOk("run", "-d", "--rm", "busybox", "sleep", "300").out();
            String always = berthd.dockerOk("run", "-d", "--restart", "always", "busybox", "sleep", "300").out();
            berthd.dockerOk("rm", "-f", auto, always);
            assertThat(berthd.docker("inspect", auto).exitCode()).as("the --rm one").isNotZero();
            Thread.sleep(200); // a restart would come within this
            assertThat(berthd.docker("inspect", always).exitCode()).as("the restart=always one").isNotZero();
        }
    }

    @Test
    void unsupportedHostConfigIsRefused() throws Exception {
        // devices are supported now (see security/ContainerIsolationTest); one that does not exist is still refused
        assertThat(berthd.docker("run", "--rm", "--device", "/dev/berth-no-such-device:/dev/xnull", "busybox", "true").stderr())
                .contains("error gathering device information");
        ApiResult both = berthd.api("POST", "/containers/create",
                "{\"Image\":\"busybox\",\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}}");
        assertThat(both.status()).isEqualTo(400);
        ApiResult bad = berthd.api("POST", "/containers/create",
                "{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}");
        assertThat(bad.status()).isEqualTo(400);
    }
}
