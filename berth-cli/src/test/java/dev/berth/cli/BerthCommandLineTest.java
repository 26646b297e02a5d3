package dev.berth.cli;

import dev.berth.cli.run.ExitCodes;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Parsing, help and exit codes as the docker CLI has them (no daemon involved). */
class BerthCommandLineTest {
    @Test
    void unknownFlagIs125WithDockersMessage() {
        var t = new TestCli();
        assertThat(t.run("ps", "--bogus")).isEqualTo(125);
        assertThat(t.err()).isEqualTo("unknown flag: --bogus\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n");
        var s = new TestCli();
        assertThat(s.run("images", "-z")).isEqualTo(125);
        assertThat(s.err()).startsWith("unknown shorthand flag: 'z' in -z\n");
    }

    @Test
    void missingArgumentsAre1() {
        var t = new TestCli();
        assertThat(t.run("rm")).isEqualTo(1);
        assertThat(t.err()).isEqualTo("berth: 'berth rm' requires at least 1 argument\n\nUsage:  berth rm [OPTIONS] CONTAINER [CONTAINER...]\n\n"
                + "See 'berth rm --help' for more information\n");
        var r = new TestCli();
        assertThat(r.run("rename", "a")).isEqualTo(1);
        assertThat(r.err()).isEqualTo("berth: 'berth rename' requires 2 arguments\n\nUsage:  berth rename CONTAINER NEW_NAME\n\n"
                + "Run 'berth rename --help' for more information\n");
        var p = new TestCli();
        assertThat(p.run("ps", "extra")).isEqualTo(1);
        assertThat(p.err()).isEqualTo("berth: 'berth ps' accepts no arguments\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n");
        var i = new TestCli();
        assertThat(i.run("images", "a", "b")).isEqualTo(1);
        assertThat(i.err()).startsWith("berth: 'berth images' requires at most 1 argument\n");
        var c = new TestCli();
        assertThat(c.run("container", "frob")).isEqualTo(1);
        assertThat(c.err()).isEqualTo("berth: unknown command: berth container frob\n\nUsage:  berth container\n\nRun 'berth container --help' for more information\n");
    }

    @Test
    void flagValueErrorsAre125() {
        var t = new TestCli();
        assertThat(t.run("ps", "-n", "x")).isEqualTo(125);
        assertThat(t.err()).startsWith("invalid argument \"x\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\n\nUsage:  berth ps [OPTIONS]");
        var cpus = new TestCli();
        assertThat(cpus.run("run", "--cpus", "x", "busybox")).isEqualTo(125);
        assertThat(cpus.err()).startsWith("invalid argument \"x\" for \"--cpus\" flag: failed to parse x as a rational number");
        var p = new TestCli();
        assertThat(p.run("run", "-p")).isEqualTo(125);
        assertThat(p.err()).startsWith("flag needs an argument: 'p' in -p\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]");
        var m = new TestCli();
        assertThat(m.run("ps", "--format")).isEqualTo(125);
        assertThat(m.err()).startsWith("flag needs an argument: --format");
    }

    @Test
    void unknownCommand() {
        var t = new TestCli();
        assertThat(t.run("frobnicate")).isEqualTo(1);
        assertThat(t.err()).isEqualTo("berth: unknown command: berth frobnicate\n\nRun 'berth --help' for more information\n");
    }

    @Test
    void helpInDockersLayout() {
        var t = new TestCli();
        assertThat(t.run("ps", "--help")).isZero();
        assertThat(t.out()).startsWith("Usage:  berth ps [OPTIONS]\n\nList containers\n\nAliases:\n"
                + "  berth container ls, berth container list, berth container ps, berth ps\n\nOptions:\n  -a, --all ");
        assertThat(t.out()).contains("\n  -n, --last int ").contains("\n      --no-trunc ");
        var top = new TestCli();
        assertThat(top.run("--help")).isZero();
        assertThat(top.out()).startsWith("Usage:  berth [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\nCommon Commands:\n  run ")
                .contains("Management Commands:\n  container   Manage containers\n").contains("Global Options:\n")
                .contains("  -H, --host list ");
        var group = new TestCli();
        assertThat(group.run("container")).isZero();
        assertThat(group.out()).startsWith("Usage:  berth container COMMAND\n\nManage containers\n\nCommands:\n  attach ");
        var runHelp = new TestCli();
        assertThat(runHelp.run("run", "--help")).isZero();
        assertThat(runHelp.out()).contains("  -h, --hostname string ");
    }

    @Test
    void globalOptionsBeforeTheCommandPickTheHost() {
        var g = new TestCli();
        assertThat(g.run("-H", "unix:///nonexistent/x.sock", "--log-level", "debug", "-D", "ps", "-a")).isEqualTo(1);
        assertThat(g.err()).startsWith("Cannot connect to the Docker daemon at unix:///nonexistent/x.sock.");
        var t = new TestCli(java.util.Map.of("DOCKER_HOST", "unix:///from/docker", "BERTH_HOST", "unix:///from/berth"));
        assertThat(t.cli.hostUri()).isEqualTo("unix:///from/berth");
        var d = new TestCli(java.util.Map.of("DOCKER_HOST", "unix:///from/docker"));
        assertThat(d.cli.hostUri()).isEqualTo("unix:///from/docker");
        assertThat(new TestCli().cli.hostUri()).isEqualTo("unix:///run/berth/berth.sock");
    }

    @Test
    void unreachableDaemonIsExit1AfterTheClientSection() {
        var t = new TestCli();
        assertThat(t.run("-H", "unix:///nonexistent/x.sock", "version")).isEqualTo(1);
        assertThat(t.out()).startsWith("Client:\n Version:           " + Cli.VERSION + "\n API version:       1.50\n");
        assertThat(t.err()).isEqualTo("Cannot connect to the Docker daemon at unix:///nonexistent/x.sock. Is the docker daemon running?\n");
    }

    @Test
    void startErrorsMapToDockersExitCodes() {
        assertThat(ExitCodes.forStartError("Error response from daemon: failed to create task: exec: \"nope\": executable file not found in $PATH")).isEqualTo(127);
        assertThat(ExitCodes.forStartError("Error response from daemon: exec /bin/x: no such file or directory")).isEqualTo(127);
        assertThat(ExitCodes.forStartError("Error response from daemon: exec /etc: permission denied")).isEqualTo(126);
        assertThat(ExitCodes.forStartError("Error response from daemon: cgroup busy")).isEqualTo(125);
    }
}
