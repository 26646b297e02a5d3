package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** berth exec, commit, diff, export and events on a real berthd, each compared with what the docker CLI does. */
class BerthLivingCliTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    /** Runs the same arguments through berth and docker and expects the same result. */
    private static CommandResult same(String... args) {
        CommandResult docker = berthd.docker(args);
        CommandResult berth = berthd.berth(args);
        assertThat(berth.toString()).as(String.join(" ", args)).isEqualTo(docker.toString());
        return berth;
    }

    @Test
    void execLikeDocker() throws Exception {
        String c = berthd.dockerOk("run", "-d", "-e", "CV=1", "busybox", "sleep", "300").out();
        same("exec", c, "sh", "-c", "echo out $CV; echo err >&2; exit 4");
        same("exec", "-u", "nobody", "-w", "/tmp", "-e", "X=2", c, "sh", "-c", "id -u; pwd; echo $X");
        same("exec", c, "nosuch");
        Path envFile = berthd.dir().resolve("cli.env");
        Files.writeString(envFile, "A=from file\n");
        same("exec", "--env-file", envFile.toString(), c, "sh", "-c", "echo $A");
        CommandResult in = berthd.berthWithInput("typed\n".getBytes(StandardCharsets.UTF_8), "exec", "-i", c, "cat");
        assertThat(in.stdout()).isEqualTo("typed\n");
        berthd.berthOk("exec", "-d", c, "sh", "-c", "echo bg > /tmp/bg");
        Thread.sleep(300);
        assertThat(berthd.berthOk("exec", c, "cat", "/tmp/bg").out()).isEqualTo("bg");
        // a real terminal through script(1): the size and the exit code come through
        CommandResult tty = BerthdFixture.run(List.of("script", "-qec",
                        "stty cols 91 rows 29; " + berthd.repo().resolve("bin/berth") + " exec -it " + c + " sh -c 'stty size; exit 6'", "/dev/null"),
                new byte[0], Map.of("BERTH_HOST", berthd.dockerHost()));
        assertThat(tty.exitCode()).as(tty.toString()).isEqualTo(6);
        assertThat(tty.stdout()).contains("29 91");
        String stopped = berthd.dockerOk("create", "busybox", "true").out();
        same("exec", stopped, "true");
        berthd.dockerOk("rm", "-f", c, stopped);
    }

    @Test
    void commitDiffExportLikeDocker() throws Exception {
        String c = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "echo x > /new && rm /etc/passwd && sleep 300").out();
        for (int i = 0; i < 50 && !berthd.docker("diff", c).stdout().contains("/new"); i++) {
            Thread.sleep(100);
        }
        same("diff", c);
        assertThat(berthd.berthOk("diff", c).stdout()).contains("A /new\n").contains("D /etc/passwd\n");
        String id = berthd.berthOk("commit", "-m", "by berth", "-c", "CMD [\"cat\", \"/new\"]", c, "berthcommit:1").out();
        assertThat(id).startsWith("sha256:");
        assertThat(berthd.dockerOk("run", "--rm", "berthcommit:1").out()).isEqualTo("x");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.Comment}}", "berthcommit:1").out()).isEqualTo("by berth");
        Path tar = berthd.dir().resolve("berth-export.tar");
        berthd.berthOk("export", "-o", tar.toString(), c);
        CommandResult list = BerthdFixture.run(List.of("tar", "tf", tar.toString()), null, Map.of());
        assertThat(list.stdout()).contains("new\n").doesNotContain("etc/passwd\n");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void healthFlagsLikeDocker() throws Exception {
        String[] flags = {"--health-cmd", "test -e /tmp", "--health-interval", "1m30s", "--health-timeout", "250ms",
                "--health-retries", "4", "--health-start-period", "2s", "--health-start-interval", "1s"};
        java.util.List<String> d = new java.util.ArrayList<>(java.util.List.of("create"));
        d.addAll(java.util.List.of(flags));
        d.add("busybox");
        String dc = berthd.dockerOk(d.toArray(String[]::new)).out();
        String bc = berthd.berthOk(d.toArray(String[]::new)).out();
        String fmt = "{{json .Config.Healthcheck}}";
        assertThat(berthd.dockerOk("inspect", "-f", fmt, bc).out()).isEqualTo(berthd.dockerOk("inspect", "-f", fmt, dc).out())
                .contains("\"Interval\":90000000000");
        String dn = berthd.dockerOk("create", "--no-healthcheck", "busybox").out();
        String bn = berthd.berthOk("create", "--no-healthcheck", "busybox").out();
        assertThat(berthd.dockerOk("inspect", "-f", fmt, bn).out()).isEqualTo(berthd.dockerOk("inspect", "-f", fmt, dn).out());
        for (String[] bad : new String[][] {{"--no-healthcheck", "--health-cmd", "true"}, {"--health-interval", "-1s"},
                {"--health-interval", "soon"}}) {
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("create"));
            a.addAll(java.util.List.of(bad));
            a.add("busybox");
            CommandResult docker = berthd.docker(a.toArray(String[]::new));
            CommandResult berth = berthd.berth(a.toArray(String[]::new));
            assertThat(docker.exitCode()).isEqualTo(125);
            // the same messages, each under its own program's name
            assertThat(berth.toString()).isEqualTo(docker.toString().replace("docker", "berth"));
        }
        berthd.dockerOk("rm", dc, bc, dn, bn);
    }

    @Test
    void updateLikeDocker() {
        String c = berthd.dockerOk("run", "-d", "--memory", "32m", "busybox", "sleep", "300").out();
        same("update", "--memory", "48m", "--pids-limit", "55", c);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}", c).out())
                .isEqualTo((48L << 20) + " 55");
        same("update", "--cpus", "0.5", "--restart", "on-failure:3", c);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}}", c).out())
                .isEqualTo("500000000 on-failure");
        same("update", "--memory", "1m", c);
        same("update", "--memory", "64m", "nosuchcontainer");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void eventsLikeDocker() {
        String since = String.format("%.9f", System.currentTimeMillis() / 1000.0 - 1);
        String c = berthd.dockerOk("run", "-d", "--name", "clievents", "busybox", "true").out();
        berthd.dockerOk("wait", c);
        berthd.dockerOk("rm", c);
        String until = String.format("%.9f", System.currentTimeMillis() / 1000.0);
        CommandResult berth = same("events", "--since", since, "--until", until, "--filter", "container=clievents");
        assertThat(berth.stdout()).contains(" container create " + c + " (image=busybox, name=clievents)\n")
                .contains(" container die " + c + " (exitCode=0, image=busybox, name=clievents)\n");
        same("events", "--since", since, "--until", until, "--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.name}}");
        same("events", "--since", since, "--until", until, "--format", "{{json .}}");
    }
}
