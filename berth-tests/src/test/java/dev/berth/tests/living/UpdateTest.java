package dev.berth.tests.living;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker update}: limits changed on a running container show in its cgroups; the restart policy is stored. */
class UpdateTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static String cgroup(String controller, String id, String file) throws Exception {
        return Files.readString(Path.of("/sys/fs/cgroup", controller, berthd.cgroupParent(), id, file)).strip();
    }

    @Test
    void resourcesReachTheRunningContainersCgroupsAndStay() throws Exception {
        String c = berthd.dockerOk("run", "-d", "--memory", "32m", "busybox", "sleep", "300").out();
        assertThat(cgroup("memory", c, "memory.limit_in_bytes")).isEqualTo(String.valueOf(32L << 20));
        berthd.dockerOk("update", "--memory", "48m", "--cpus", "0.5", "--pids-limit", "77", "--cpu-shares", "512", c);
        assertThat(cgroup("memory", c, "memory.limit_in_bytes")).isEqualTo(String.valueOf(48L << 20));
        assertThat(cgroup("cpu", c, "cpu.cfs_quota_us")).isEqualTo("50000");
        assertThat(cgroup("cpu", c, "cpu.cfs_period_us")).isEqualTo("100000");
        assertThat(cgroup("cpu", c, "cpu.shares")).isEqualTo("512");
        assertThat(cgroup("pids", c, "pids.max")).isEqualTo("77");
        assertThat(berthd.dockerOk("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}", c).out())
                .isEqualTo((48L << 20) + " 500000000 77");
        // raising memory above the swap limit needs the swap limit too, as with Docker
        CommandResult tooBig = berthd.docker("update", "--memory", "200m", c);
        assertThat(tooBig.exitCode()).isNotZero();
        assertThat(tooBig.stderr()).contains("Memory limit should be smaller than already set memoryswap limit");
        berthd.dockerOk("update", "--memory", "200m", "--memory-swap", "400m", c);
        assertThat(cgroup("memory", c, "memory.limit_in_bytes")).isEqualTo(String.valueOf(200L << 20));
        // the new limits hold at the next start
        berthd.dockerOk("restart", "-t", "0", c);
        assertThat(cgroup("memory", c, "memory.limit_in_bytes")).isEqualTo(String.valueOf(200L << 20));
        assertThat(cgroup("pids", c, "pids.max")).isEqualTo("77");
        assertThat(berthd.docker("update", "--memory", "1m", c).stderr()).contains("Minimum memory limit allowed is 6MB");
        berthd.dockerOk("rm", "-f", c);
    }

    @Test
    void restartPolicyUpdatesAndRefusals() throws Exception {
        String c = berthd.dockerOk("run", "-d", "busybox", "sh", "-c", "sleep 1; exit 3").out();
        berthd.dockerOk("update", "--restart", "on-failure:2", c);
        assertThat(berthd.dockerOk("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}", c)
                .out()).isEqualTo("on-failure:2");
        // the new policy governs the exit that follows: two restarts, then it stays exited
        String count = "";
        for (int i = 0; i < 200; i++) {
            count = berthd.dockerOk("inspect", "-f", "{{.RestartCount}} {{.State.Status}}", c).out();
            if (count.equals("2 exited")) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(count).isEqualTo("2 exited");
        String auto = berthd.dockerOk("run", "-d", "--rm", "busybox", "sleep", "300").out();
        assertThat(berthd.docker("update", "--restart", "always", auto).stderr())
                .contains("Restart policy cannot be updated because AutoRemove is enabled for the container");
        assertThat(berthd.docker("update", "--memory", "64m", "nosuchcontainer").stderr()).contains("No such container");
        berthd.dockerOk("rm", "-f", c, auto);
    }
}
