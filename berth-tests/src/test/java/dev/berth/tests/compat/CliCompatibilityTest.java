package dev.berth.tests.compat;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same user flows through the real docker CLI and through berth against one berthd: same
 * output, same exit codes. Where output depends on the moment (ages, uptimes), the test compares
 * shapes rather than bytes.
 */
class CliCompatibilityTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void seed() {
        berthd.importBusybox("busybox");
    }

    private static Function<String[], CommandResult> cli(String which) {
        return which.equals("docker") ? berthd::docker : berthd::berth;
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void runPrintsOutputAndPropagatesExitCodes(String which) {
        var c = cli(which);
        CommandResult hello = c.apply(new String[] {"run", "--rm", "busybox", "echo", "hello"});
        assertThat(hello.exitCode()).as(hello.toString()).isZero();
        assertThat(hello.stdout()).isEqualTo("hello\n");
        assertThat(c.apply(new String[] {"run", "--rm", "busybox", "sh", "-c", "exit 3"}).exitCode()).isEqualTo(3);
        CommandResult missing = c.apply(new String[] {"run", "--rm", "busybox", "nosuchcommand"});
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(127);
        assertThat(missing.stderr()).contains("nosuchcommand");
        CommandResult notExec = c.apply(new String[] {"run", "--rm", "busybox", "/etc/passwd"});
        assertThat(notExec.exitCode()).as(notExec.toString()).isEqualTo(126);
        CommandResult noImage = c.apply(new String[] {"run", "--rm", "nosuchimage"});
        assertThat(noImage.exitCode()).isEqualTo(125);
        assertThat(noImage.stderr()).contains("Unable to find image 'nosuchimage:latest' locally");
        CommandResult err = c.apply(new String[] {"run", "--rm", "busybox", "sh", "-c", "echo to-err >&2"});
        assertThat(err.stdout()).isEmpty();
        assertThat(err.stderr()).isEqualTo("to-err\n");
        CommandResult stdin = withInput(which, "piped\n", "run", "--rm", "-i", "busybox", "cat");
        assertThat(stdin.stdout()).as(stdin.toString()).isEqualTo("piped\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void detachedLifecycle(String which) {
        var c = cli(which);
        String name = "web-" + which;
        String id = out(c.apply(new String[] {"run", "-d", "--name", name, "-l", "tier=front", "-e", "GREETING=hi",
                "busybox", "sh", "-c", "echo $GREETING; exec sleep 1000"}));
        assertThat(id).matches("[0-9a-f]{64}");
        assertThat(out(c.apply(new String[] {"ps", "-q", "--filter", "name=" + name}))).isEqualTo(id.substring(0, 12));
        assertThat(out(c.apply(new String[] {"ps", "--no-trunc", "-q", "--filter", "label=tier=front"}))).contains(id);
        assertThat(out(c.apply(new String[] {"ps", "--filter", "name=" + name, "--format", "{{.Names}} {{.Status}}"})))
                .matches(name + " Up (Less than a second|[0-9]+ seconds?)");
        assertThat(out(c.apply(new String[] {"logs", name}))).isEqualTo("hi");
        assertThat(out(c.apply(new String[] {"inspect", "-f", "{{.State.Running}} {{index .Config.Labels \"tier\"}} {{len .Config.Env}}", name})))
                .startsWith("true front ");
        out(c.apply(new String[] {"pause", name}));
        assertThat(out(c.apply(new String[] {"inspect", "-f", "{{.State.Status}}", name}))).isEqualTo("paused");
        out(c.apply(new String[] {"unpause", name}));
        assertThat(out(c.apply(new String[] {"top", name}))).contains("sleep 1000");
        out(c.apply(new String[] {"rename", name, name + "-2"}));
        out(c.apply(new String[] {"stop", "-t", "1", name + "-2"}));
        assertThat(out(c.apply(new String[] {"ps", "-a", "--filter", "name=" + name, "--format", "{{.Status}}"})))
                .matches("Exited \\(137\\) (Less than a second|[0-9]+ seconds?) ago");
        CommandResult rmRunning = c.apply(new String[] {"rm", "nosuch-" + which});
        assertThat(rmRunning.exitCode()).isEqualTo(1);
        assertThat(rmRunning.stderr()).contains("No such container: nosuch-" + which);
        out(c.apply(new String[] {"rm", name + "-2"}));
    }

    @Test
    void inspectOutputIsTheSameFromBothClients() {
        out(berthd.docker("create", "--name", "twin", "-l", "a=b", "busybox", "echo", "x"));
        assertThat(out(berthd.berth("inspect", "twin"))).isEqualTo(out(berthd.docker("inspect", "twin")));
        assertThat(out(berthd.berth("image", "inspect", "busybox"))).isEqualTo(out(berthd.docker("image", "inspect", "busybox")));
        for (String format : List.of("{{json .Config.Labels}}", "{{range .Config.Cmd}}[{{.}}]{{end}}",
                "{{if eq .State.Status \"created\"}}new{{else}}old{{end}}", "{{upper .Name}} {{lower .Driver}}",
                "{{.HostConfig.NetworkMode}}")) {
            assertThat(out(berthd.berth("inspect", "-f", format, "twin"))).as(format)
                    .isEqualTo(out(berthd.docker("inspect", "-f", format, "twin")));
        }
        String table = "table {{.Names}}\t{{.Image}}\t{{.Command}}";
        assertThat(out(berthd.berth("ps", "-a", "--format", table))).isEqualTo(out(berthd.docker("ps", "-a", "--format", table)));
        assertThat(headerColumns(berthd.berth("ps", "-a"))).containsExactly(headerColumns(berthd.docker("ps", "-a")));
        assertThat(headerColumns(berthd.berth("images"))).containsExactly(headerColumns(berthd.docker("images")));
        out(berthd.docker("rm", "twin"));
    }

    /**
     * A table's header split into its column names. The CREATED column is as wide as its longest age, which
     * may be "1 second ago" for one client and "2 seconds ago" for the next, so padding is not compared.
     */
    private static String[] headerColumns(CommandResult r) {
        return out(r).lines().findFirst().orElseThrow().split(" {2,}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void imageCommands(String which) {
        var c = cli(which);
        String repo = "copy-" + which;
        out(c.apply(new String[] {"tag", "busybox", repo + ":v1"}));
        assertThat(out(c.apply(new String[] {"images", "--format", "{{.Repository}}:{{.Tag}}", repo}))).isEqualTo(repo + ":v1");
        assertThat(out(c.apply(new String[] {"image", "inspect", "-f", "{{.Id}}", repo + ":v1"})))
                .isEqualTo(out(c.apply(new String[] {"image", "inspect", "-f", "{{.Id}}", "busybox"})));
        assertThat(out(c.apply(new String[] {"history", "--format", "{{.Comment}}", repo + ":v1"}))).isEqualTo("Imported from -");
        assertThat(out(c.apply(new String[] {"rmi", repo + ":v1"}))).isEqualTo("Untagged: " + repo + ":v1");
        CommandResult gone = c.apply(new String[] {"rmi", repo + ":v1"});
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.stderr()).contains("No such image: " + repo + ":v1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void waitKillRestartAndPrune(String which) {
        var c = cli(which);
        String name = "k-" + which;
        out(c.apply(new String[] {"run", "-d", "--name", name, "busybox", "sh", "-c",
                "trap 'exit 143' TERM; sleep 1000 & wait"}));
        out(c.apply(new String[] {"kill", "-s", "TERM", name}));
        assertThat(out(c.apply(new String[] {"wait", name}))).isEqualTo("143");
        out(c.apply(new String[] {"restart", "-t", "1", name}));
        assertThat(out(c.apply(new String[] {"inspect", "-f", "{{.State.Status}}", name}))).isEqualTo("running");
        out(c.apply(new String[] {"kill", name}));
        assertThat(out(c.apply(new String[] {"wait", name}))).isEqualTo("137");
        assertThat(out(c.apply(new String[] {"container", "prune", "-f"}))).contains("Total reclaimed space");
        assertThat(c.apply(new String[] {"inspect", name}).exitCode()).isEqualTo(1);
    }

    private static CommandResult withInput(String which, String input, String... args) {
        byte[] in = input.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return which.equals("docker") ? berthd.dockerWithInput(in, args) : berthd.berthWithInput(in, args);
    }

    private static String out(CommandResult r) {
        return r.ok().out();
    }
}
