package dev.berth.tests.cli;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** berth's image and container commands end to end on a real berthd, compared with the docker CLI. */
class BerthCliContainersTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    static String imageId;

    @BeforeAll
    static void importWithBerth() {
        CommandResult r = berthd.berthWithInput(berthd.busyboxTar(), "import", "-c", "CMD [\"sh\"]", "-m", "from berth", "-", "busybox");
        assertThat(r.exitCode()).as(r + berthd.log()).isZero();
        assertThat(r.stdout()).matches("sha256:[0-9a-f]{64}\n");
        imageId = r.out();
    }


    @Test
    void importedImageListsAsDockerListsIt() {
        assertThat(berthd.docker("images", "-q", "--no-trunc").out()).contains(imageId);
        CliCompare.same(berthd, "images", "--format", "{{.Repository}}|{{.Tag}}|{{.ID}}|{{.Size}}|{{.Digest}}");
        CliCompare.same(berthd, "images", "-q");
        CliCompare.sameIgnoringTimes(berthd, "images");
        CliCompare.sameIgnoringTimes(berthd, "image", "ls", "--no-trunc", "busybox");
        CliCompare.sameIgnoringTimes(berthd, "images", "--digests");
        CliCompare.same(berthd, "image", "inspect", "busybox");
        CliCompare.same(berthd, "inspect", "--type", "image", "-f", "{{.Id}} {{.Config.Cmd}} {{.Comment}}", "busybox");
    }

    @Test
    void historyAndImagePruneMatchDocker() {
        CliCompare.sameIgnoringTimes(berthd, "history", "busybox");
        CliCompare.same(berthd, "image", "history", "--no-trunc", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}", "busybox");
        CliCompare.same(berthd, "history", "-q", "busybox");
        CommandResult prune = berthd.berthOk("image", "prune", "-f");
        assertThat(prune.stdout()).isEqualTo(berthd.docker("image", "prune", "-f").stdout());
        assertThat(prune.stdout()).endsWith("Total reclaimed space: 0B\n");
    }

    @Test
    void tagAndRmiPrintWhatDockerPrints() {
        berthd.berthOk("tag", "busybox", "example.com/team/tool:v1");
        assertThat(berthd.docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout()).contains("example.com/team/tool:v1\n");
        CommandResult rmi = berthd.berthOk("rmi", "example.com/team/tool:v1");
        assertThat(rmi.stdout()).isEqualTo("Untagged: example.com/team/tool:v1\n");
        berthd.berthOk("image", "tag", "busybox", "again");
        CommandResult docker = berthd.docker("rmi", "again");
        berthd.berthOk("image", "tag", "busybox", "again");
        CommandResult berth = berthd.berth("rmi", "again");
        assertThat(berth.toString()).isEqualTo(docker.toString());
        CliCompare.same(berthd, "rmi", "nosuch:image");
    }

    @Test
    void runPrintsOutputAndExitsWithTheContainersStatus() {
        CommandResult hello = berthd.berthOk("run", "--rm", "busybox", "echo", "hello");
        assertThat(hello.stdout()).isEqualTo("hello\n");
        CommandResult split = berthd.berthOk("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        assertThat(split.stdout()).isEqualTo("out\n");
        assertThat(split.stderr()).isEqualTo("err\n");
        assertThat(berthd.berth("run", "--rm", "busybox", "sh", "-c", "exit 3").exitCode()).isEqualTo(3);
        CommandResult in = berthd.berthWithInput("line one\nline two\n".getBytes(StandardCharsets.UTF_8), "run", "-i", "--rm", "busybox", "cat");
        assertThat(in.exitCode()).as(in.toString()).isZero();
        assertThat(in.stdout()).isEqualTo("line one\nline two\n");
        CommandResult tty = berthd.berthOk("run", "-t", "--rm", "busybox", "sh", "-c", "test -t 1 && echo tty");
        assertThat(tty.stdout()).isEqualTo("tty\r\n");
    }

    @Test
    void interactiveTtyRunUsesTheLocalTerminalAndRestoresIt() throws Exception {
        java.nio.file.Path dir = berthd.dir();
        String berth = berthd.repo().resolve("bin/berth").toString();
        String inner = "stty cols 91 rows 27; stty -g > " + dir.resolve("stty-before") + "; " + berth
                + " run -it --rm busybox sh -c 'stty size; exit 4'; echo rc=$?; stty -g > " + dir.resolve("stty-after");
        CommandResult r = BerthdFixture.run(java.util.List.of("script", "-qec", inner, "/dev/null"), new byte[0],
                java.util.Map.of("BERTH_HOST", berthd.dockerHost()));
        assertThat(r.stdout()).as(r.toString()).contains("27 91\r\n").contains("rc=4");
        assertThat(java.nio.file.Files.readString(dir.resolve("stty-after")))
                .isEqualTo(java.nio.file.Files.readString(dir.resolve("stty-before")));
    }

    @Test
    void startFailuresExitLikeDocker() {
        CliCompare.same(berthd, "run", "--rm", "busybox", "nosuch-binary");
        CliCompare.same(berthd, "run", "--rm", "busybox", "/etc/passwd");
        assertThat(berthd.berth("run", "--rm", "busybox", "nosuch-binary").exitCode()).isEqualTo(127);
        assertThat(berthd.berth("run", "--rm", "busybox", "/etc/passwd").exitCode()).isEqualTo(126);
        CommandResult missing = berthd.berth("run", "nosuch-image");
        assertThat(missing.exitCode()).isEqualTo(125);
        assertThat(missing.stderr()).startsWith("Unable to find image 'nosuch-image:latest' locally\nberth: Error response from daemon: ")
                .endsWith("\n\nRun 'berth run --help' for more information\n");
    }

    @Test
    void detachedContainerThroughItsLifecycle() {
        CommandResult run = berthd.berthOk("run", "-d", "--name", "life", "busybox", "sh", "-c", "echo started; echo oops >&2; sleep 300");
        assertThat(run.stdout()).matches("[0-9a-f]{64}\n");
        String id = run.out();
        assertThat(berthd.berthOk("ps", "-q").stdout()).contains(id.substring(0, 12) + "\n");
        CliCompare.same(berthd, "ps", "--format", "{{.ID}} {{.Image}} {{.Command}} {{.Names}} {{.State}} {{.Labels}}");
        CliCompare.same(berthd, "ps", "--no-trunc", "-a", "--format", "{{.ID}}|{{.Command}}|{{.Names}}");
        CliCompare.sameIgnoringTimes(berthd, "ps");
        CliCompare.same(berthd, "inspect", "life");
        CliCompare.same(berthd, "container", "inspect", "-f", "{{.Name}} {{.State.Running}} {{json .Config.Cmd}}", "life");
        waitForLog("life", "oops");
        CliCompare.same(berthd, "logs", "life");
        CliCompare.same(berthd, "logs", "--tail", "1", "life");
        assertThat(berthd.berthOk("top", "life").stdout()).startsWith("UID").contains("sleep 300");
        assertThat(berthd.berthOk("pause", "life").stdout()).isEqualTo("life\n");
        assertThat(berthd.berthOk("inspect", "-f", "{{.State.Status}}", "life").out()).isEqualTo("paused");
        assertThat(berthd.berthOk("unpause", "life").stdout()).isEqualTo("life\n");
        berthd.berthOk("rename", "life", "life2");
        assertThat(berthd.berthOk("stop", "-t", "1", "life2").stdout()).isEqualTo("life2\n");
        assertThat(berthd.berthOk("wait", "life2").out()).isEqualTo("137");
        assertThat(berthd.berthOk("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "life2").out()).isEqualTo("exited 137");
        assertThat(berthd.berthOk("start", "life2").stdout()).isEqualTo("life2\n");
        assertThat(berthd.berthOk("inspect", "-f", "{{.State.Running}}", "life2").out()).isEqualTo("true");
        assertThat(berthd.berthOk("rm", "-f", "life2").stdout()).isEqualTo("life2\n");
        CliCompare.same(berthd, "inspect", "life2");
    }

    private static void waitForLog(String name, String text) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            CommandResult r = berthd.berth("logs", name);
            if ((r.stdout() + r.stderr()).contains(text)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("no '" + text + "' in the logs of " + name);
    }

    @Test
    void createStoresWhatDockersCreateStores() {
        String[] flags = {"-e", "A=1", "-l", "team=core", "-w", "/tmp", "-u", "1000", "--memory", "64m", "--cpus", "0.5",
                "--pids-limit", "50", "--read-only", "--cap-drop", "MKNOD", "--stop-signal", "SIGINT", "--stop-timeout", "7",
                "--hostname", "h1", "--ulimit", "nofile=100:200", "--shm-size", "16m", "--entrypoint", "sh", "busybox", "-c", "true"};
        String template = "{{json .Config.Env}} {{json .Config.Labels}} {{.Config.WorkingDir}} {{.Config.User}} {{.Config.Hostname}} "
                + "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.StopSignal}} {{.Config.StopTimeout}} {{.HostConfig.Memory}} "
                + "{{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.CapDrop}} "
                + "{{json .HostConfig.Ulimits}} {{.HostConfig.ShmSize}} {{.HostConfig.NetworkMode}}";
        String[] berthArgs = concat(new String[] {"create", "--name", "by-berth"}, flags);
        String[] dockerArgs = concat(new String[] {"create", "--name", "by-docker"}, flags);
        assertThat(berthd.berthOk(berthArgs).stdout()).matches("[0-9a-f]{64}\n");
        CommandResult d = berthd.docker(dockerArgs);
        assertThat(d.exitCode()).as(d.toString()).isZero();
        String mine = berthd.berthOk("inspect", "-f", template, "by-berth").out();
        assertThat(mine).isEqualTo(berthd.docker("inspect", "-f", template, "by-docker").out());
        assertThat(mine).contains("[\"A=1\"]").contains("64").contains("SIGINT");
        berthd.berthOk("rm", "by-berth");
        berthd.berthOk("rm", "by-docker");
    }

    @Test
    void attachFollowAndStartAttachedEndWithTheContainer() {
        berthd.berthOk("run", "-d", "--name", "follow", "busybox", "sh", "-c", "echo one; sleep 2; echo two; exit 9");
        CommandResult logs = berthd.berthOk("logs", "-f", "follow");
        assertThat(logs.stdout()).isEqualTo("one\ntwo\n");
        berthd.berthOk("run", "-d", "--name", "att", "busybox", "sh", "-c", "sleep 2; echo late; exit 9");
        CommandResult attach = berthd.berth("attach", "att");
        assertThat(attach.exitCode()).as(attach.toString()).isEqualTo(9);
        assertThat(attach.stdout()).isEqualTo("late\n");
        berthd.berthOk("create", "--name", "later", "busybox", "sh", "-c", "echo from start; exit 6");
        CommandResult start = berthd.berth("start", "-a", "later");
        assertThat(start.exitCode()).as(start.toString()).isEqualTo(6);
        assertThat(start.stdout()).isEqualTo("from start\n");
        CliCompare.same(berthd, "attach", "later");
        berthd.berthOk("rm", "follow", "att", "later");
    }

    @Test
    void startInteractiveDeliversInputAndItsEnd() {
        for (int i = 0; i < 3; i++) {
            berthd.berthOk("create", "-i", "--name", "cat" + i, "busybox", "cat");
            CommandResult r = berthd.berthWithInput(("input " + i + "\n").getBytes(StandardCharsets.UTF_8), "start", "-ai", "cat" + i);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEqualTo("input " + i + "\n");
            berthd.berthOk("rm", "cat" + i);
        }
    }

    @Test
    void pruneRemovesStoppedContainers() {
        berthd.berthOk("run", "--name", "done1", "busybox", "true");
        CommandResult p = berthd.berthOk("container", "prune", "-f");
        assertThat(p.stdout()).startsWith("Deleted Containers:\n").contains("Total reclaimed space: ");
        assertThat(berthd.docker("ps", "-a", "--filter", "name=done1", "-q").out()).isEmpty();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
