package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker commit}: a container's changes, deletions included, become an image through the real docker CLI. */
class CommitTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    /** Lists what the checks below look at, in a container of {@code image}. */
    private static final String SURVEY = "cat /added; cat /etc/group | head -1; ls /var; ls /home; test -e /etc/passwd && echo passwd;"
            + " test -e /bin/gzip && echo gzip; ls -ld /opaque | cut -c1-10; ls -A /opaque; readlink /lnk; stat -c '%a %u' /added";

    @Test
    void commitKeepsAdditionsModificationsDeletionsAndOpaqueDirectories() {
        String c = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo new > /added && chown 5 /added && chmod 640 /added"
                + " && echo changed > /etc/group && rm /etc/passwd /bin/gzip && rm -rf /var/spool"
                + " && mkdir /home/user && rm -rf /home && mkdir -p /home/fresh && mkdir /opaque && ln -s /added /lnk"
                + " && sleep 300").out();
        waitFor(c, "/lnk");
        berthd.dockerOk("exec", c, "sh", "-c", "mkdir -p /opaque/x && rm -rf /opaque && mkdir /opaque && touch /opaque/only");
        String id = berthd.dockerOk("commit", "-a", "Ann Author <ann@example.com>", "-m", "my changes", "-c", "CMD [\"cat\", \"/added\"]",
                "-c", "ENV COMMITTED=yes", c, "committed:v1").out();
        assertThat(id).startsWith("sha256:");
        // paused for the commit, running again after
        assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", c).out()).isEqualTo("running false");

        assertThat(berthd.dockerOk("run", "--rm", "committed:v1").out()).isEqualTo("new");
        assertThat(berthd.dockerOk("run", "--rm", "committed:v1", "sh", "-c", SURVEY).out())
                .isEqualTo("new\nchanged\nwww\nfresh\ndrwxr-xr-x\nonly\n/added\n640 5");
        assertThat(berthd.dockerOk("run", "--rm", "committed:v1", "sh", "-c", "echo $COMMITTED").out()).isEqualTo("yes");
        assertThat(berthd.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}}", "committed").out()).isEqualTo("committed:v1");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.Author}}|{{.Comment}}|{{len .RootFS.Layers}}|{{.Config.Cmd}}", "committed:v1").out())
                .isEqualTo("Ann Author <ann@example.com>|my changes|2|[cat /added]");
        CommandResult history = berthd.dockerOk("history", "--no-trunc", "--format", "{{.Comment}}", "committed:v1");
        assertThat(history.out().lines().toList()).hasSize(2).first().isEqualTo("my changes");

        // a second commit on top: deletes what the first added, sees everything else
        String c2 = berthd.dockerOk("run", "-d", "committed:v1", "sh", "-c", "rm /added && echo two > /second && sleep 300").out();
        waitFor(c2, "/second");
        berthd.dockerOk("commit", "--pause=false", c2, "committed:v2");
        assertThat(berthd.dockerOk("run", "--rm", "committed:v2", "sh", "-c",
                "test -e /added || echo gone; cat /second; cat /etc/group | head -1; test -e /etc/passwd || echo nopasswd").out())
                .isEqualTo("gone\ntwo\nchanged\nnopasswd");
        assertThat(berthd.dockerOk("inspect", "-f", "{{len .RootFS.Layers}}", "committed:v2").out()).isEqualTo("3");
        berthd.dockerOk("rm", "-f", c, c2);
    }

    @Test
    void stoppedContainersCommitAndBadRequestsAreRefused() {
        String c = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo stopped > /s").out();
        berthd.dockerOk("wait", c);
        String id = berthd.dockerOk("commit", c).out();
        assertThat(berthd.dockerOk("images", "-q", "--no-trunc").out()).contains(id);
        assertThat(berthd.dockerOk("run", "--rm", id, "cat", "/s").out()).isEqualTo("stopped");
        CommandResult badChange = berthd.docker("commit", "-c", "NOSUCH instruction", c);
        assertThat(badChange.exitCode()).isNotZero();
        assertThat(berthd.docker("commit", "nosuchcontainer").stderr()).contains("No such container");
        assertThat(berthd.docker("commit", c, "Bad:Name").exitCode()).isNotZero();
        berthd.dockerOk("rm", c);
    }

    private static void waitFor(String c, String path) {
        for (int i = 0; i < 100; i++) {
            if (berthd.docker("exec", c, "test", "-e", path).exitCode() == 0) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError(path + " never appeared in " + c);
    }
}
