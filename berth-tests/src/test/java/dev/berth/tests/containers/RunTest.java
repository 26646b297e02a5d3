package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker run} through the real docker CLI: output, exit codes, stdin, TTY and the container's environment. */
class RunTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }


    @Test
    void runRmEchoPrintsAndRemoves() {
        CommandResult r = berthd.dockerOk("run", "--rm", "--name", "echo1", "busybox", "echo", "hello");
        assertThat(r.stdout()).isEqualTo("hello\n");
        assertThat(berthd.docker("ps", "-a", "--filter", "name=echo1", "-q").out()).isEmpty();
    }

    @Test
    void rmContainersAreMountedVolatileAndStillRestart() throws Exception {
        berthd.dockerOk("run", "-d", "--rm", "--name", "vol1", "busybox", "sh", "-c", "echo kept > /kept; sleep 600");
        berthd.dockerOk("run", "-d", "--name", "vol2", "busybox", "sleep", "600");
        try {
            assertThat(rootfsMountOptions("vol1")).contains("volatile");
            assertThat(rootfsMountOptions("vol2")).doesNotContain("volatile");
            // the remount must get past the marker overlay leaves after a volatile mount
            berthd.dockerOk("restart", "-t", "1", "vol1");
            assertThat(berthd.dockerOk("exec", "vol1", "cat", "/kept").stdout()).isEqualTo("kept\n");
            assertThat(rootfsMountOptions("vol1")).contains("volatile");
        } finally {
            berthd.docker("rm", "-f", "vol1", "vol2");
        }
    }

    /** The options of the overlay mount at the container's root file system, from the host's mount table. */
    private static String rootfsMountOptions(String name) throws java.io.IOException {
        String merged = berthd.dockerOk("inspect", "-f", "{{.GraphDriver.Data.MergedDir}}", name).out();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(merged)).findFirst().orElse("not mounted");
    }

    @Test
    void exitCodesAreThoseOfTheProcessOrDockersForStartFailures() {
        assertThat(berthd.docker("run", "--rm", "busybox", "sh", "-c", "exit 3").exitCode()).isEqualTo(3);
        CommandResult missing = berthd.docker("run", "--rm", "busybox", "nosuch");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(127);
        assertThat(missing.stderr()).contains("exec: \"nosuch\": executable file not found in $PATH");
        CommandResult notExec = berthd.docker("run", "--rm", "busybox", "/etc/passwd");
        assertThat(notExec.exitCode()).as(notExec.toString()).isEqualTo(126);
        assertThat(notExec.stderr()).contains("permission denied");
    }

    @Test
    void failedStartIsRecordedOnTheContainer() {
        assertThat(berthd.docker("run", "--name", "nocmd", "busybox", "nosuch").exitCode()).isEqualTo(127);
        CommandResult st = berthd.dockerOk("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "nocmd");
        assertThat(st.out()).startsWith("created 127 failed to create task for container");
        berthd.dockerOk("rm", "nocmd");
    }

    @Test
    void stdoutAndStderrStaySeparate() {
        CommandResult r = berthd.dockerOk("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    @Test
    void stdinReachesTheContainerAndEndOfInputEndsIt() {
        CommandResult r = berthd.dockerWithInput("one\ntwo\n".getBytes(), "run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo done");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("one\ntwo\ndone\n");
    }

    @Test
    void ttyRunGetsATerminalOfTheClientsSize() {
        // script(1) gives the docker CLI a real pseudo-terminal.
        CommandResult r = BerthdFixture.run(List.of("script", "-qec",
                        "stty cols 101 rows 33; " + BerthdFixture.DOCKER + " run --rm -it busybox sh -c 'tty; stty size; echo $TERM; exit 4'",
                        "/dev/null"), null,
                Map.of("DOCKER_HOST", berthd.dockerHost(), "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
        assertThat(r.stdout()).contains("/dev/pts/0\r\n").contains("33 101\r\n").contains("xterm\r\n");
    }

    @Test
    void envWorkdirUserAndHostname() {
        CommandResult r = berthd.dockerOk("run", "--rm", "-e", "FOO=bar", "-w", "/tmp", "-u", "nobody", "--hostname", "box1", "busybox",
                "sh", "-c", "echo $FOO; pwd; id -u; id -g; hostname; echo $HOSTNAME; echo $PATH");
        assertThat(r.stdout()).isEqualTo("bar\n/tmp\n65534\n65534\nbox1\nbox1\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
        assertThat(berthd.dockerOk("run", "--rm", "-u", "1234:5678", "busybox", "id").out()).isEqualTo("uid=1234 gid=5678 groups=5678");
        CommandResult noUser = berthd.docker("run", "--rm", "-u", "nosuchuser", "busybox", "id");
        assertThat(noUser.exitCode()).isNotZero();
        assertThat(noUser.stderr()).contains("unable to find user nosuchuser");
    }

    @Test
    void defaultHostnameIsTheShortId() {
        String id = berthd.dockerOk("run", "-d", "busybox", "sleep", "30").out();
        try {
            CommandResult h = berthd.dockerOk("inspect", "-f", "{{.Config.Hostname}}", id);
            assertThat(h.out()).isEqualTo(id.substring(0, 12));
        } finally {
            berthd.dockerOk("rm", "-f", id);
        }
    }

    @Test
    void entrypointOverride() {
        assertThat(berthd.dockerOk("run", "--rm", "--entrypoint", "echo", "busybox", "a", "b").out()).isEqualTo("a b");
    }

    @Test
    void readOnlyRootfs() {
        CommandResult r = berthd.docker("run", "--rm", "--read-only", "busybox", "touch", "/x");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("Read-only file system");
        berthd.dockerOk("run", "--rm", "--read-only", "busybox", "touch", "/dev/shm/ok");
    }

    @Test
    void capabilitiesFollowDockersDefaultsAndFlags() {
        assertThat(berthd.dockerOk("run", "--rm", "busybox", "grep", "CapEff", "/proc/self/status").out()).endsWith("00000000a80425fb");
        assertThat(berthd.dockerOk("run", "--rm", "--cap-drop", "ALL", "busybox", "grep", "CapEff", "/proc/self/status").out())
                .endsWith("0000000000000000");
        // +NET_ADMIN (bit 12), -CHOWN (bit 0)
        assertThat(berthd.dockerOk("run", "--rm", "--cap-add", "NET_ADMIN", "--cap-drop", "chown", "busybox", "grep", "CapEff",
                "/proc/self/status").out()).endsWith("00000000a80435fa");
        assertThat(berthd.docker("run", "--rm", "--cap-add", "NOPE", "busybox", "true").stderr()).contains("unknown capability");
    }

    @Test
    void seccompFilterUnlessPrivilegedOrUnconfined() {
        assertThat(berthd.dockerOk("run", "--rm", "busybox", "grep", "^Seccomp:", "/proc/self/status").out()).endsWith("2");
        assertThat(berthd.dockerOk("run", "--rm", "--privileged", "busybox", "grep", "^Seccomp:", "/proc/self/status").out()).endsWith("0");
        assertThat(berthd.dockerOk("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "^Seccomp:", "/proc/self/status").out())
                .endsWith("0");
        // with the capability, the filter lets mount through as Docker's profile does
        // a user namespace needs no capability, so only the filter can refuse it
        assertThat(berthd.dockerOk("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "unshare", "-U", "true").exitCode()).isZero();
        CommandResult userns = berthd.docker("run", "--rm", "busybox", "unshare", "-U", "true");
        assertThat(userns.exitCode()).isNotZero();
        assertThat(userns.stderr()).contains("Operation not permitted");
        berthd.dockerOk("run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", "mount -t tmpfs t /tmp && grep -q ' /tmp tmpfs' /proc/mounts");
    }

    @Test
    void maskedAndReadOnlyProcPaths() {
        String masked = java.util.stream.Stream.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug")
                .filter(p -> Files.exists(Path.of(p))).findFirst().orElseThrow();
        assertThat(berthd.dockerOk("run", "--rm", "busybox", "wc", "-c", masked).out()).startsWith("0 ");
        assertThat(berthd.docker("run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/domainname").exitCode()).isNotZero();
    }

    @Test
    void memoryPidsAndCpuLimitsAreInTheContainersCgroup() throws Exception {
        String id = berthd.dockerOk("run", "-d", "-m", "32m", "--pids-limit", "50", "--cpus", "0.5", "busybox", "sleep", "60").out();
        try {
            Path memory = Path.of("/sys/fs/cgroup/memory", berthd.cgroupParent(), id);
            assertThat(Files.readString(memory.resolve("memory.limit_in_bytes")).trim()).isEqualTo("33554432");
            assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids", berthd.cgroupParent(), id, "pids.max")).trim()).isEqualTo("50");
            assertThat(Files.readString(Path.of("/sys/fs/cgroup/cpu", berthd.cgroupParent(), id, "cpu.cfs_quota_us")).trim()).isEqualTo("50000");
            assertThat(berthd.dockerOk("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}", id).out())
                    .isEqualTo("33554432 50 500000000");
        } finally {
            berthd.dockerOk("rm", "-f", id);
        }
    }

    @Test
    void networkNoneHasOnlyLoopbackAndItIsUp() {
        CommandResult r = berthd.dockerOk("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link");
        assertThat(r.out().lines()).hasSize(1);
        assertThat(r.out()).contains("lo:").contains("UP");
        assertThat(berthd.dockerOk("run", "--rm", "busybox", "ping", "-c", "1", "-W", "2", "127.0.0.1").exitCode()).isZero();
    }

    @Test
    void networkHostSharesTheHostsInterfacesAndName() throws Exception {
        // the namespace's identity, not a count of interfaces, which other tests change while this one runs
        String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        List<String> out = berthd.dockerOk("run", "--rm", "--network", "host", "busybox", "sh", "-c",
                "readlink /proc/self/ns/net; hostname; ls /sys/class/net").out().lines().toList();
        assertThat(out.get(0)).isEqualTo(hostNs);
        assertThat(out.get(1)).isEqualTo(hostname);
        assertThat(out.subList(2, out.size())).contains("lo").contains(defaultRouteInterface());
        assertThat(berthd.dockerOk("run", "--rm", "busybox", "readlink", "/proc/self/ns/net").out())
                .as("without --network host a container has a namespace of its own").isNotEqualTo(hostNs);
        assertThat(berthd.dockerOk("run", "--rm", "--network", "host", "busybox", "cat", "/etc/hosts").stdout())
                .isEqualTo(Files.readString(Path.of("/etc/hosts")));
    }

    /** The interface of the host's default IPv4 route (/proc/net/route: destination 00000000). */
    private static String defaultRouteInterface() throws IOException {
        return Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length > 1 && f[1].equals("00000000")).map(f -> f[0]).findFirst().orElse("lo");
    }

    @Test
    void shmSizeDefaultsTo64mAndFollowsTheFlag() {
        assertThat(berthd.dockerOk("run", "--rm", "busybox", "df", "-k", "/dev/shm").out()).contains(" 65536 ");
        assertThat(berthd.dockerOk("run", "--rm", "--shm-size", "16m", "busybox", "df", "-k", "/dev/shm").out()).contains(" 16384 ");
    }

    @Test
    void ulimits() throws Exception {
        assertThat(berthd.dockerOk("run", "--rm", "--ulimit", "nofile=1000:2000", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn").out())
                .isEqualTo("1000\n2000");
        // the default never exceeds what the host allows, or runc could not start the container
        long hostHard = Long.parseLong(Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow().split("\\s+")[4]);
        long inside = Long.parseLong(berthd.dockerOk("run", "--rm", "busybox", "sh", "-c", "ulimit -Hn").out());
        assertThat(inside).isLessThanOrEqualTo(hostHard).isPositive();
    }

    @Test
    void extraHostsAndDnsSettings() {
        CommandResult r = berthd.dockerOk("run", "--rm", "--add-host", "db:10.1.2.3", "--dns", "192.0.2.53", "--dns-search", "example.com",
                "--dns-option", "ndots:2", "busybox", "cat", "/etc/hosts", "/etc/resolv.conf");
        assertThat(r.stdout()).contains("10.1.2.3\tdb\n").contains("nameserver 192.0.2.53\n").contains("search example.com\n")
                .contains("options ndots:2\n");
        assertThat(r.stdout()).doesNotContain("nameserver 127.");
        assertThat(berthd.docker("run", "--rm", "--add-host", "bad", "busybox", "true").exitCode()).isNotZero();
    }

    @Test
    void groupsSysctlsCpusetAndOomScore() {
        assertThat(berthd.dockerOk("run", "--rm", "--group-add", "daemon", "--group-add", "4242", "busybox", "id", "-G").out()).isEqualTo("0 1 4242");
        assertThat(berthd.dockerOk("run", "--rm", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "cat", "/proc/sys/net/ipv4/ip_forward").out())
                .isEqualTo("1");
        assertThat(berthd.docker("run", "--rm", "--sysctl", "kernel.panic=1", "busybox", "true").stderr()).contains("not allowed");
        assertThat(berthd.dockerOk("run", "--rm", "--cpuset-cpus", "0", "--oom-score-adj", "500", "busybox", "sh", "-c",
                "cat /sys/fs/cgroup/cpuset/cpuset.cpus /proc/self/oom_score_adj").out()).isEqualTo("0\n500");
    }

    @Test
    void etcFilesAreTheContainers() {
        String id = berthd.dockerOk("create", "--hostname", "hosty", "busybox", "cat", "/etc/hostname", "/etc/hosts").out();
        berthd.dockerOk("start", id);
        berthd.dockerOk("wait", id);
        CommandResult logs = berthd.dockerOk("logs", id);
        assertThat(logs.stdout()).startsWith("hosty\n127.0.0.1\tlocalhost\n");
        berthd.dockerOk("rm", id);
    }
}
