package dev.berth.tests.cli;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs a command with both the docker CLI and berth on one daemon and compares what they print. */
public final class CliCompare {
    private CliCompare() {}

    /** "docker" in docker's own messages reads "berth" in ours; otherwise byte for byte. */
    public static void same(BerthdFixture berthd, String... args) {
        CommandResult docker = berthd.docker(args);
        CommandResult berth = berthd.berth(args);
        String label = "berth " + String.join(" ", args) + "\n" + berth + "\n--- docker:\n" + docker;
        assertThat(berth.exitCode()).as(label).isEqualTo(docker.exitCode());
        assertThat(berth.stdout()).as(label).isEqualTo(docker.stdout());
        assertThat(berth.stderr()).as(label).isEqualTo(docker.stderr().replace("docker", "berth"));
    }

    /** As {@link #same}, with relative times ("3 seconds ago") masked and runs of spaces collapsed. */
    public static void sameIgnoringTimes(BerthdFixture berthd, String... args) {
        CommandResult docker = berthd.docker(args);
        CommandResult berth = berthd.berth(args);
        String label = "berth " + String.join(" ", args) + "\n" + berth + "\n--- docker:\n" + docker;
        assertThat(berth.exitCode()).as(label).isEqualTo(docker.exitCode());
        assertThat(mask(berth.stdout())).as(label).isEqualTo(mask(docker.stdout()));
        assertThat(berth.stderr()).as(label).isEqualTo(docker.stderr().replace("docker", "berth"));
    }

    static String mask(String s) {
        return s.replaceAll("(Less than a second|About a minute|About an hour|\\d+ (seconds?|minutes?|hours?|days?))( ago)?", "<time>$3")
                .replaceAll(" {2,}", "  ");
    }
}
