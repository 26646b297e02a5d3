package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Attaching to running containers (TTY, detach keys), start -a, OOM, and containers against the image store. */
class AttachAndImageTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }


    /** Runs {@code command} on a pseudo-terminal (script(1)) fed by the shell snippet {@code input}. */
    private static CommandResult inTerminal(String command, String input) throws Exception {
        java.nio.file.Path feed = berthd.dir().resolve("feed.sh");
        java.nio.file.Files.writeString(feed, input + "\n");
        return BerthdFixture.run(List.of("sh", "-c", "sh " + feed + " | script -qec '" + command + "' /dev/null"), null,
                Map.of("DOCKER_HOST", berthd.dockerHost(), "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
    }

    @Test
    void attachToARunningTtyContainerAndDetachWithTheKeys() throws Exception {
        String id = berthd.dockerOk("run", "-dit", "busybox", "sh").out();
        CommandResult r = inTerminal(BerthdFixture.DOCKER + " attach " + id,
                "sleep 1; echo 'echo $((40+2))'; sleep 1; printf '\\020\\021'; sleep 1");
        assertThat(r.stdout()).contains("\n42\r").contains("read escape sequence");
        // the docker CLI exits 1 after "read escape sequence", with Docker's own daemon too
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Running}}", id).out()).isEqualTo("true");
        berthd.dockerOk("rm", "-f", id);
    }

    @Test
    void detachingFromRunItLeavesTheContainerRunning() throws Exception {
        CommandResult r = inTerminal(BerthdFixture.DOCKER + " run -it --name itdetach busybox sh",
                "sleep 1; echo 'echo $((40+3))'; sleep 1; printf '\\020\\021'; sleep 1");
        assertThat(r.stdout()).contains("\n43\r");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Thread.sleep(500);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Running}}", "itdetach").out()).isEqualTo("true");
        berthd.dockerOk("rm", "-f", "itdetach");
    }

    @Test
    void startAttachedReplaysARun() {
        String id = berthd.dockerOk("create", "busybox", "sh", "-c", "echo again; exit 6").out();
        CommandResult first = berthd.docker("start", "-a", id);
        assertThat(first.exitCode()).isEqualTo(6);
        assertThat(first.stdout()).isEqualTo("again\n");
        CommandResult second = berthd.docker("start", "-a", id);
        assertThat(second.exitCode()).isEqualTo(6);
        assertThat(second.stdout()).isEqualTo("again\n");
        assertThat(berthd.dockerOk("logs", id).stdout()).isEqualTo("again\nagain\n");
        berthd.dockerOk("rm", id);
    }

    @Test
    void oomKilledIsRecorded() {
        CommandResult r = berthd.docker("run", "--name", "hog", "-m", "8m", "--memory-swap", "8m", "busybox", "sh", "-c",
                "x=a; while true; do x=\"$x$x\"; done");
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog").out()).isEqualTo("true 137");
        berthd.dockerOk("rm", "hog");
    }

    @Test
    void imageDefaultsAreMergedUnderTheClientsSettings() {
        CommandResult imp = berthd.dockerWithInput(berthd.busyboxTar(), "import", "-c", "ENV A=image B=image",
                "-c", "WORKDIR /tmp", "-c", "ENTRYPOINT [\"echo\"]", "-c", "CMD [\"from-image\"]", "-c", "USER nobody",
                "-c", "LABEL l=image", "-", "defaults:1");
        assertThat(imp.exitCode()).as(imp.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "defaults:1").out()).isEqualTo("from-image");
        assertThat(berthd.dockerOk("run", "--rm", "defaults:1", "mine").out()).isEqualTo("mine");
        assertThat(berthd.dockerOk("run", "--rm", "-e", "B=client", "--entrypoint", "sh", "defaults:1", "-c", "echo $A $B $(pwd) $(id -u)").out())
                .isEqualTo("image client /tmp 65534");
        String id = berthd.dockerOk("create", "-l", "c=client", "defaults:1").out();
        assertThat(berthd.dockerOk("inspect", "-f", "{{.Config.Labels.l}} {{.Config.Labels.c}} {{.Config.WorkingDir}} {{.Config.User}}", id).out())
                .isEqualTo("image client /tmp nobody");
        berthd.dockerOk("rm", id);
    }

    @Test
    void anImageInUseCannotBeRemovedWithoutForceAndItsContainerStillRuns() {
        CommandResult imp = berthd.dockerWithInput(berthd.busyboxTar(), "import", "-c", "CMD [\"sh\"]", "-", "inuse:1");
        assertThat(imp.exitCode()).isZero();
        String id = berthd.dockerOk("create", "inuse:1", "echo", "still-here").out();
        CommandResult rmi = berthd.docker("rmi", "inuse:1");
        assertThat(rmi.exitCode()).isNotZero();
        assertThat(rmi.stderr()).contains("conflict");
        berthd.dockerOk("rmi", "-f", "inuse:1");
        CommandResult start = berthd.docker("start", "-a", id);
        assertThat(start.exitCode()).as(start + berthd.log()).isZero();
        assertThat(start.stdout()).isEqualTo("still-here\n");
        berthd.dockerOk("rm", id);
    }

    @Test
    void runOfAMissingImageIs404() throws Exception {
        var r = berthd.api("POST", "/containers/create", "{\"Image\":\"nosuchimage:1\"}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("No such image");
    }
}
