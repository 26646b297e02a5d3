package dev.berth.tests.volumes;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Volumes, their data and their users survive berthd's kill -9 and a clean restart. */
class VolumesRestartTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    @Test
    void volumesAndTheirDataSurviveKill9AndRestart() throws Exception {
        berthd.dockerOk("volume", "create", "--label", "k=v", "durable");
        berthd.dockerOk("run", "--name", "writer1", "-v", "durable:/d", "-v", "/anon", "busybox", "sh", "-c",
                "echo kept > /d/f; echo anon > /anon/g");
        String anon = berthd.dockerOk("inspect", "-f", "{{range .Mounts}}{{if eq .Destination \"/anon\"}}{{.Name}}{{end}}{{end}}", "writer1").out();
        berthd.dockerOk("run", "-d", "--name", "runner", "-v", "durable:/d", "busybox", "sleep", "300");

        berthd.kill9();
        berthd.restart();
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("durable", anon);
        assertThat(berthd.dockerOk("volume", "inspect", "-f", "{{.Labels}}", "durable").out()).isEqualTo("map[k:v]");
        assertThat(berthd.dockerOk("run", "--rm", "-v", "durable:/d", "busybox", "cat", "/d/f").out()).isEqualTo("kept");
        // the re-adopted container still sees the volume, and its use still blocks removal
        assertThat(berthd.dockerOk("exec", "runner", "cat", "/d/f").out()).isEqualTo("kept");
        CommandResult rm = berthd.docker("volume", "rm", "durable");
        assertThat(rm.exitCode()).isEqualTo(1);
        assertThat(rm.stderr()).contains("volume is in use");
        assertThat(berthd.dockerOk("inspect", "-f", "{{range .Mounts}}{{.Name}} {{end}}", "writer1").out()).contains("durable", anon);

        berthd.stop();
        berthd.restart();
        assertThat(berthd.dockerOk("run", "--rm", "--volumes-from", "writer1", "busybox", "cat", "/d/f", "/anon/g").out())
                .isEqualTo("kept\nanon");
        berthd.dockerOk("rm", "-f", "-v", "writer1", "runner");
        assertThat(berthd.dockerOk("volume", "ls", "-q").out().lines()).contains("durable").doesNotContain(anon);
        berthd.dockerOk("volume", "rm", "durable");
        berthd.restart();
        assertThat(berthd.dockerOk("volume", "ls", "-q").out()).isEmpty();
    }

    @Test
    void directoriesFollowTheRecordsAfterACrash() throws Exception {
        berthd.dockerOk("volume", "create", "recorded");
        berthd.dockerOk("run", "--rm", "-v", "recorded:/d", "busybox", "touch", "/d/f");
        berthd.kill9();
        // what a crash can leave: a directory no record names, a half-deleted one, a record without its directory
        Path volumes = berthd.dataRoot().resolve("volumes");
        Files.createDirectories(volumes.resolve("orphan1/_data"));
        Files.writeString(volumes.resolve("orphan1/_data/stale"), "x");
        Files.createDirectories(volumes.resolve(".trash-gone-12345678/_data"));
        Files.walk(volumes.resolve("recorded")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        berthd.restart();
        assertThat(berthd.dockerOk("volume", "ls", "-q").out()).isEqualTo("recorded");
        assertThat(Files.exists(volumes.resolve("orphan1"))).isFalse();
        assertThat(Files.exists(volumes.resolve(".trash-gone-12345678"))).isFalse();
        assertThat(berthd.dockerOk("run", "--rm", "-v", "recorded:/d", "busybox", "ls", "-A", "/d").out()).isEmpty();
        // the orphan's name is free and starts empty
        assertThat(berthd.dockerOk("run", "--rm", "-v", "orphan1:/d", "busybox", "ls", "-A", "/d").out()).isEmpty();
        berthd.dockerOk("volume", "rm", "recorded", "orphan1");
    }
}
