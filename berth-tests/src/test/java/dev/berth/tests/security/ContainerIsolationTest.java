package dev.berth.tests.security;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Escape attempts from a default container fail, and the privileged or cap-add run that Docker allows
 * succeeds: real runc, real seccomp, real docker CLI.
 */
class ContainerIsolationTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox:sec");
    }

    private static CommandResult run(String... flagsThenScript) {
        String[] args = new String[flagsThenScript.length + 5];
        args[0] = "run";
        args[1] = "--rm";
        System.arraycopy(flagsThenScript, 0, args, 2, flagsThenScript.length - 1);
        args[flagsThenScript.length + 1] = "busybox:sec";
        args[flagsThenScript.length + 2] = "sh";
        args[flagsThenScript.length + 3] = "-c";
        args[flagsThenScript.length + 4] = flagsThenScript[flagsThenScript.length - 1];
        return berthd.docker(args);
    }

    @Test
    void mountingNeedsSysAdmin() {
        CommandResult d = run("mkdir -p /mnt && mount -t tmpfs none /mnt");
        assertThat(d.exitCode()).as(d.toString()).isNotZero();
        assertThat(d.stderr() + d.stdout()).containsIgnoringCase("permission denied");
        run("--cap-add", "SYS_ADMIN", "mkdir -p /mnt && mount -t tmpfs none /mnt && grep -c ' /mnt ' /proc/self/mountinfo").ok();
        run("--privileged", "mkdir -p /mnt && mount -t tmpfs none /mnt && umount /mnt").ok();
    }

    @Test
    void newNamespacesAreRefusedUntilSeccompIsOff() {
        CommandResult userns = run("unshare -U true");
        assertThat(userns.exitCode()).as(userns.toString()).isNotZero();
        assertThat(run("unshare -n true").exitCode()).isNotZero();
        // The same call with the filter off: the kernel itself lets anyone make a user namespace.
        run("--security-opt", "seccomp=unconfined", "unshare -U true").ok();
        run("--cap-add", "SYS_ADMIN", "unshare -n true").ok();
    }

    @Test
    void seccompModeIsVisible() {
        assertThat(run("grep Seccomp: /proc/self/status").ok().out()).endsWith("2");
        assertThat(run("--security-opt", "seccomp=unconfined", "grep Seccomp: /proc/self/status").ok().out()).endsWith("0");
        assertThat(run("--privileged", "grep Seccomp: /proc/self/status").ok().out()).endsWith("0");
    }

    @Test
    void customProfileFileIsApplied() throws Exception {
        // A profile that allows everything but mkdir: the docker CLI sends the file's content.
        Path p = berthd.dir().resolve("no-mkdir.json");
        Files.writeString(p, """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}""");
        CommandResult r = run("--security-opt", "seccomp=" + p, "mkdir /tmp/x");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).containsIgnoringCase("permission denied");
        run("--security-opt", "seccomp=" + p, "touch /tmp/x && unshare -U true").ok(); // the rest is allowed
        CommandResult berth = berthd.berth("run", "--rm", "--security-opt", "seccomp=" + p, "busybox:sec", "mkdir", "/tmp/x");
        assertThat(berth.exitCode()).isNotZero(); // berth sends the file's content as docker does
        assertThat(berth.stderr()).containsIgnoringCase("permission denied");
        CommandResult bad = berthd.docker("create", "--security-opt", "seccomp={\"defaultAction\":\"NOPE\"}", "busybox:sec");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("defaultAction");
    }

    @Test
    void maskedAndReadOnlyKernelFiles() {
        // Masked paths this kernel has are covered by /dev/null (files) or an empty read-only tmpfs (directories);
        // those it lacks (this kernel has no /proc/kcore) stay absent.
        assertThat(run("cat /proc/kcore 2>/dev/null | wc -c").out()).isEqualTo("0");
        assertThat(run("cat /proc/keys | wc -c").ok().out()).isEqualTo("0");
        assertThat(run("cat /proc/timer_list | wc -c").ok().out()).isEqualTo("0");
        assertThat(run("ls -A /sys/firmware | wc -l").ok().out()).isEqualTo("0");
        assertThat(run("grep -cE ' /proc/(keys|timer_list|acpi) ' /proc/self/mountinfo").ok().out()).isEqualTo("3");
        // (this kernel has no /proc/sysrq-trigger either: runc skips read-only paths that do not exist)
        assertThat(run("echo h > /proc/sysrq-trigger").exitCode()).isNotZero();
        CommandResult sys = run("echo 1 > /proc/sys/kernel/panic");
        assertThat(sys.exitCode()).isNotZero();
        assertThat(sys.stderr()).containsIgnoringCase("read-only");
        assertThat(run("grep -E ' /proc/(sys|irq|bus|fs) ' /proc/self/mountinfo").ok().out().lines())
                .hasSizeGreaterThanOrEqualTo(2).allMatch(l -> l.contains(" ro,"));
        assertThat(run("touch /sys/kernel/berth-probe").exitCode()).isNotZero();
        // --privileged lifts exactly these
        assertThat(run("--privileged", "head -c 4 /proc/timer_list | wc -c").ok().out()).isEqualTo("4");
        assertThat(run("--privileged", "ls -A /sys/firmware | wc -l").ok().out()).isNotEqualTo("0");
        assertThat(run("--privileged", "grep -c ' /proc/sys ' /proc/self/mountinfo || true").ok().out()).isEqualTo("0");
        assertThat(run("--security-opt", "systempaths=unconfined", "head -c 4 /proc/timer_list | wc -c").ok().out())
                .isEqualTo("4");
    }

    @Test
    void capabilitiesAreDockers() {
        assertThat(run("grep CapEff: /proc/self/status").ok().out()).endsWith("00000000a80425fb");
        assertThat(run("--cap-drop", "ALL", "grep CapEff: /proc/self/status").ok().out()).endsWith("0000000000000000");
        assertThat(run("--cap-drop", "ALL", "--cap-add", "CHOWN", "grep CapEff: /proc/self/status").ok().out())
                .endsWith("0000000000000001");
        CommandResult chown = run("--cap-drop", "ALL", "touch /tmp/f && chown 1 /tmp/f");
        assertThat(chown.exitCode()).isNotZero();
        assertThat(run("hostname evil").exitCode()).isNotZero();
        assertThat(run("date -s 2001-01-01").stderr()).contains("can't set date"); // busybox exits 0 nonetheless
        run("--cap-add", "SYS_ADMIN", "hostname fine && hostname | grep -x fine").ok();
    }

    @Test
    void noNewPrivileges() {
        assertThat(run("grep NoNewPrivs: /proc/self/status").ok().out()).endsWith("0");
        assertThat(run("--security-opt", "no-new-privileges", "grep NoNewPrivs: /proc/self/status").ok().out()).endsWith("1");
        assertThat(run("--security-opt", "no-new-privileges:true", "grep NoNewPrivs: /proc/self/status").ok().out()).endsWith("1");
    }

    @Test
    void hostProcessesAndDevicesAreOutOfReach() {
        // pid namespace: the shell is 1 and ps sees only the container's own processes
        assertThat(run("echo $$; ps -o pid= | wc -l").ok().out().lines().toList()).first().isEqualTo("1");
        CommandResult mem = run("mknod /tmp/fuse c 10 229 && exec 3</tmp/fuse && echo opened");
        assertThat(mem.stdout()).doesNotContain("opened");
        assertThat(mem.stderr()).containsIgnoringCase("operation not permitted");
        run("--device-cgroup-rule", "c 10:229 rwm", "mknod /tmp/fuse c 10 229 && exec 3</tmp/fuse && echo opened").ok();
        CommandResult dev = run("--device", "/dev/fuse:/dev/myfuse:rw", "ls -l /dev/myfuse && exec 3</dev/myfuse && echo opened");
        assertThat(dev.ok().out()).contains("10,").contains("229").contains("opened");
        CommandResult missing = berthd.docker("create", "--device", "/dev/berth-no-such-device", "busybox:sec");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.stderr()).contains("error gathering device information");
    }

    @Test
    void rawSocketsModulesAndTheDaemonSocket() {
        run("ping -c 1 -W 2 127.0.0.1").ok(); // NET_RAW is in Docker's default set
        CommandResult raw = run("--cap-drop", "NET_RAW", "ping -c 1 -W 2 127.0.0.1");
        assertThat(raw.exitCode()).as(raw.toString()).isNotZero();
        assertThat(raw.stderr()).containsIgnoringCase("permission denied");
        CommandResult module = run("echo junk > /tmp/m.ko && insmod /tmp/m.ko");
        assertThat(module.exitCode()).isNotZero();
        assertThat(module.stderr()).containsIgnoringCase("not permitted");
        CommandResult block = run("mknod /tmp/disk b 8 0 && head -c 1 /tmp/disk");
        assertThat(block.exitCode()).isNotZero();
        assertThat(block.stderr()).containsIgnoringCase("not permitted");
        CommandResult sysctl = run("sysctl -w kernel.domainname=evil");
        assertThat(sysctl.exitCode()).isNotZero();
        run("test ! -e " + berthd.socket() + " && test ! -e /var/run/docker.sock").ok();
        assertThat(run("kill -0 " + berthd.pid()).exitCode()).isNotZero(); // the daemon is not even visible
        CommandResult setns = run("nsenter -t 1 -n true");
        assertThat(setns.exitCode()).isNotZero();
    }

    @Test
    void infoAndInspectReportTheSettings() {
        assertThat(berthd.dockerOk("info", "--format", "{{json .SecurityOptions}}").out())
                .isEqualTo("[\"name=seccomp,profile=builtin\"]");
        String id = berthd.dockerOk("create", "--security-opt", "no-new-privileges", "--security-opt", "apparmor=unconfined",
                "--device", "/dev/fuse:/dev/f:r", "busybox:sec").out();
        try {
            assertThat(berthd.dockerOk("inspect", "--format", "{{json .HostConfig.SecurityOpt}} {{json .HostConfig.Devices}}",
                    id).out()).isEqualTo("[\"no-new-privileges\",\"apparmor=unconfined\"] "
                    + "[{\"PathOnHost\":\"/dev/fuse\",\"PathInContainer\":\"/dev/f\",\"CgroupPermissions\":\"r\"}]");
            String berthSide = berthd.berthOk("create", "--security-opt", "no-new-privileges", "--security-opt",
                    "apparmor=unconfined", "--device", "/dev/fuse:/dev/f:r", "busybox:sec").out();
            assertThat(berthd.dockerOk("inspect", "--format", "{{json .HostConfig.SecurityOpt}} {{json .HostConfig.Devices}}",
                    berthSide).out()).isEqualTo(berthd.dockerOk("inspect", "--format",
                    "{{json .HostConfig.SecurityOpt}} {{json .HostConfig.Devices}}", id).out());
        } finally {
            berthd.docker("rm", "-f", id);
        }
    }
}
