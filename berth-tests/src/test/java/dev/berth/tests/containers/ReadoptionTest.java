package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Containers outlive berthd: a restart (orderly or after SIGKILL) re-adopts them and records exits it missed. */
class ReadoptionTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }


    @Test
    void orderlyRestartKeepsARunningContainerControllable() throws Exception {
        String id = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo before; while true; do sleep 0.1; done").out();
        String pid = berthd.dockerOk("inspect", "-f", "{{.State.Pid}}", id).out();
        berthd.restart();
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.Pid}}", id).out()).isEqualTo("running " + pid);
        assertThat(berthd.dockerOk("logs", id).out()).isEqualTo("before");
        berthd.dockerOk("stop", "-t", "1", id);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id).out()).isEqualTo("exited 137");
        berthd.dockerOk("rm", id);
    }

    @Test
    void exitWhileBerthdIsDeadIsRecordedOnStart() throws Exception {
        String id = berthd.dockerOk("run", "-d", "busybox", "sleep", "100").out();
        String survivor = berthd.dockerOk("run", "-d", "busybox", "sleep", "100").out();
        berthd.kill9();
        // the container ends while no daemon watches: conmon still records its exit code
        BerthdFixture.run(java.util.List.of("runc", "--root", berthd.execRoot().resolve("runc").toString(), "kill", id, "KILL"),
                null, java.util.Map.of());
        Thread.sleep(1000);
        berthd.restart();
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id).out()).isEqualTo("exited 137");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}}", survivor).out()).isEqualTo("running");
        berthd.dockerOk("kill", survivor);
        assertThat(berthd.dockerOk("wait", survivor).out()).isEqualTo("137");
        berthd.dockerOk("rm", id, survivor);
    }

    @Test
    void aContainerWhoseMonitorDiesIsRecordedAsExited() throws Exception {
        String id = berthd.dockerOk("run", "-d", "busybox", "sleep", "100").out();
        long conmon = Long.parseLong(java.nio.file.Files.readString(
                berthd.execRoot().resolve("containers").resolve(id).resolve("conmon.pid")).trim());
        ProcessHandle.of(conmon).ifPresent(ProcessHandle::destroyForcibly);
        String state = "";
        for (int i = 0; i < 50 && !state.equals("exited 255"); i++) {
            Thread.sleep(100);
            state = berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id).out();
        }
        assertThat(state).isEqualTo("exited 255");
        assertThat(BerthdFixture.run(java.util.List.of("runc", "--root", berthd.execRoot().resolve("runc").toString(), "list", "-q"),
                null, java.util.Map.of()).stdout()).doesNotContain(id);
        berthd.dockerOk("rm", id);
    }

    @Test
    void autoRemoveHappensAfterAnExitMissedWhileDown() throws Exception {
        String id = berthd.dockerOk("run", "-d", "--rm", "busybox", "sleep", "100").out();
        berthd.kill9();
        BerthdFixture.run(java.util.List.of("runc", "--root", berthd.execRoot().resolve("runc").toString(), "kill", id, "KILL"),
                null, java.util.Map.of());
        Thread.sleep(1000);
        berthd.restart();
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline && berthd.api("GET", "/containers/" + id + "/json", null).status() != 404) {
            Thread.sleep(100);
        }
        assertThat(berthd.api("GET", "/containers/" + id + "/json", null).status()).isEqualTo(404);
    }
}
