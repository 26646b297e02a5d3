package dev.berth.tests.cli;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Arrays;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/berth against a real berthd, side by side with the real docker CLI on the same daemon. */
class BerthCliTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    static void assertSameAsDocker(String... args) {
        CliCompare.same(berthd, args);
    }

    private static String section(String text, String from) {
        int i = text.indexOf(from);
        return i < 0 ? "" : text.substring(i);
    }

    @Test
    void versionShowsTheServerExactlyAsDockerDoes() {
        CommandResult berth = berthd.berth("version");
        assertThat(berth.exitCode()).as(berth.toString()).isZero();
        assertThat(berth.stdout()).startsWith("Client:\n Version:           0.1.0\n API version:       1.50\n");
        assertThat(section(berth.stdout(), "\nServer:")).isNotEmpty().isEqualTo(section(berthd.docker("version").stdout(), "\nServer:"));
    }

    @Test
    void versionAndInfoTemplatesMatchDocker() {
        assertSameAsDocker("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}}/{{.Server.Arch}}");
        assertSameAsDocker("info", "--format", "{{.ServerVersion}}|{{.OSType}}|{{.Driver}}|{{.DockerRootDir}}|{{.NCPU}}|{{range .Plugins.Volume}}{{.}}{{end}}");
    }

    @Test
    void infoServerSectionMatchesDocker() {
        CommandResult berth = berthd.berth("info");
        CommandResult docker = berthd.docker("info");
        assertThat(berth.exitCode()).as(berth.toString()).isZero();
        assertThat(berth.stdout()).startsWith("Client:\n Version:    0.1.0\n Context:    default\n Debug Mode: false\n\nServer:\n Containers: ");
        // descriptors, threads and the clock change between the two calls
        assertThat(stable(section(berth.stdout(), "\nServer:"))).isEqualTo(stable(section(docker.stdout(), "\nServer:")));
        assertThat(berth.stderr()).isEqualTo(docker.stderr());
    }

    private static String stable(String info) {
        return Arrays.stream(info.split("\n"))
                .filter(l -> !l.startsWith("  File Descriptors:") && !l.startsWith("  Goroutines:") && !l.startsWith("  System Time:"))
                .collect(Collectors.joining("\n"));
    }

    @Test
    void unreachableDaemonPrintsTheClientAndFails() {
        CommandResult r = berthd.berth("-H", "unix:///nonexistent/berth.sock", "version");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).startsWith("Client:\n");
        assertThat(r.stderr()).isEqualTo("Cannot connect to the Docker daemon at unix:///nonexistent/berth.sock. Is the docker daemon running?\n");
        CommandResult ps = berthd.berth("-H", "unix:///nonexistent/berth.sock", "ps");
        assertThat(ps.exitCode()).isEqualTo(1);
        assertThat(ps.stdout()).isEmpty();
    }

    @Test
    void usageErrorsMatchDocker() {
        assertSameAsDocker("ps", "--bogus");
        assertSameAsDocker("rm");
        assertSameAsDocker("run");
        assertSameAsDocker("images", "-z");
        assertSameAsDocker("stop");
    }

    @Test
    void missingObjectsFailLikeDocker() {
        assertSameAsDocker("stop", "nosuch-container");
        assertSameAsDocker("rm", "-f", "nosuch-container");
        assertSameAsDocker("inspect", "nosuch-object");
        assertSameAsDocker("logs", "nosuch-container");
        assertSameAsDocker("rmi", "nosuch-image");
    }

    @Test
    void hostFlagWinsOverTheEnvironment() {
        CommandResult r = berthd.berth("-H", berthd.dockerHost(), "version", "--format", "{{.Server.Version}}");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("0.1.0");
    }
}
