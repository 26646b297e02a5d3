package dev.berth.tests.volumes;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import dev.berth.tests.cli.CliCompare;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** berth's volume commands, run flags and system df: same behaviour, and where compared, same output as docker's. */
class VolumesBerthCliTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    @Test
    void volumeCommandsPrintWhatDockerPrints() {
        assertThat(berthd.berthOk("volume", "create", "--label", "a=b", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "bc1").out())
                .isEqualTo("bc1");
        berthd.berthOk("volume", "create", "bc2");
        CliCompare.same(berthd, "volume", "ls");
        CliCompare.same(berthd, "volume", "ls", "-q", "--filter", "label=a=b");
        CliCompare.same(berthd, "volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Labels}} {{.Scope}} {{.Mountpoint}}");
        CliCompare.same(berthd, "volume", "inspect", "bc1", "bc2");
        CliCompare.same(berthd, "volume", "inspect", "-f", "{{.Name}} {{.Options}} {{.Labels}}", "bc1");
        CliCompare.same(berthd, "volume", "inspect", "nosuch");
        CliCompare.same(berthd, "volume", "create", "../bad");
        berthd.dockerOk("create", "--name", "bc-user", "-v", "bc1:/x", "busybox", "true");
        CliCompare.same(berthd, "volume", "rm", "bc1");
        CliCompare.same(berthd, "volume", "prune", "-f");
        berthd.dockerOk("rm", "bc-user");
        assertThat(berthd.berthOk("volume", "rm", "bc1", "bc2").out()).isEqualTo("bc1\nbc2");
        CliCompare.same(berthd, "volume", "rm", "-f", "bc1");
    }

    @Test
    void runWithVolumesThroughBerth() throws Exception {
        Path host = Files.createTempDirectory(berthd.dir(), "bcbind");
        berthd.berthOk("run", "--rm", "-v", "bv:/data", "busybox", "sh", "-c", "echo via-berth > /data/f");
        assertThat(berthd.berthOk("run", "--rm", "--mount", "type=volume,src=bv,dst=/data,readonly", "busybox", "cat", "/data/f").out())
                .isEqualTo("via-berth");
        CommandResult ro = berthd.berth("run", "--rm", "--mount", "type=volume,src=bv,dst=/data,readonly", "busybox", "touch", "/data/g");
        assertThat(ro.exitCode()).isEqualTo(1);
        assertThat(ro.stderr()).contains("Read-only file system");
        assertThat(berthd.berthOk("run", "--rm", "--tmpfs", "/t:size=1m", "--mount", "type=tmpfs,dst=/u,tmpfs-size=2m",
                "-v", host + ":/h", "busybox", "sh", "-c", "grep -E ' /(t|u|h) ' /proc/mounts | cut -d' ' -f2,3 | sort").out())
                .isEqualTo("/h ext4\n/t tmpfs\n/u tmpfs".replace("ext4", Files.getFileStore(host).type()));
        berthd.berthOk("run", "--name", "bc-src", "-v", "/anon", "busybox", "sh", "-c", "echo shared > /anon/f");
        assertThat(berthd.berthOk("run", "--rm", "--volumes-from", "bc-src:ro", "busybox", "cat", "/anon/f").out()).isEqualTo("shared");
        String anon = berthd.berthOk("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "bc-src").out();
        berthd.berthOk("rm", "-v", "bc-src");
        assertThat(berthd.berthOk("volume", "ls", "-q").out().lines()).contains("bv").doesNotContain(anon);
        CommandResult bad = berthd.berth("run", "--rm", "--mount", "type=bind,src=" + host.resolve("nope") + ",dst=/x", "busybox", "true");
        assertThat(bad.exitCode()).isEqualTo(125);
        assertThat(bad.stderr()).contains("bind source path does not exist: " + host.resolve("nope"));
        CliCompare.same(berthd, "run", "--rm", "--mount", "type=tmpfs,dst=/x,volume-nocopy", "busybox", "true");
        CliCompare.same(berthd, "run", "--rm", "--mount", "type=volume,dst=/x,bogus=1", "busybox", "true");
        berthd.berthOk("volume", "rm", "bv");
    }

    @Test
    void copyUpThroughBerth() {
        VolumeImages.importWithData(berthd, "bc-volimg");
        assertThat(berthd.berthOk("run", "--rm", "-v", "bc-copy:/data", "bc-volimg", "stat", "-c", "%u:%g %a %n",
                "/data", "/data/owned.txt").out()).isEqualTo("1000:1000 750 /data\n1000:1000 640 /data/owned.txt");
        assertThat(berthd.berthOk("run", "--rm", "--mount", "type=volume,src=bc-empty,dst=/data,volume-nocopy", "bc-volimg",
                "ls", "-A", "/data").out()).isEmpty();
        berthd.berthOk("volume", "rm", "bc-copy", "bc-empty");
    }

    @Test
    void systemDfMatchesDocker() {
        berthd.dockerOk("volume", "create", "dfv");
        berthd.dockerOk("run", "--rm", "-v", "dfv:/d", "busybox", "sh", "-c", "head -c 12345 /dev/zero > /d/blob");
        berthd.dockerOk("create", "--name", "df-holder", "-v", "dfv:/d", "busybox", "true");
        CliCompare.same(berthd, "system", "df");
        CliCompare.same(berthd, "system", "df", "--format", "{{.Type}}: {{.Size}} {{.Reclaimable}}");
        CliCompare.sameIgnoringTimes(berthd, "system", "df", "-v");
        berthd.dockerOk("rm", "df-holder");
        berthd.dockerOk("volume", "prune", "-af");
        CliCompare.same(berthd, "system", "df");
    }
}
