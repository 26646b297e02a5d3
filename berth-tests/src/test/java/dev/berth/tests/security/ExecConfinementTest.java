package dev.berth.tests.security;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code docker exec}'d process is confined exactly as the container's own process is (as under Docker, where
 * both come from runc): the same capabilities, no_new_privs, seccomp filter (compared instruction for
 * instruction), cgroups, namespaces, limits and OOM score. berthd starts execs without a terminal with
 * berth-nsexec rather than {@code runc exec}; these tests fail if it confines less, or if it silently is not used.
 */
class ExecConfinementTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();
    /**
     * What the probe prints for process $P: run once for the exec'd shell ($$, its own environment as it was
     * started with), once for the container's pid 1.
     */
    private static final String PROBE = "grep -E '^(Cap|NoNewPrivs|Seccomp|Uid|Gid|Groups)' /proc/$P/status; cat /proc/$P/cgroup /proc/$P/limits "
            + "/proc/$P/oom_score_adj; for n in ipc mnt net pid uts cgroup user; do readlink /proc/$P/ns/$n; done; "
            + "cat /proc/$P/environ | tr '\\0' '\\n' | grep -E '^(HOME|PATH)='";

    @BeforeAll
    static void containers() {
        berthd.importBusybox("busybox");
        berthd.dockerOk("run", "-d", "--name", "plain", "busybox", "sleep", "600");
        berthd.dockerOk("run", "-d", "--name", "tuned", "--cap-add", "SYS_PTRACE", "--cap-drop", "CHOWN", "--ulimit", "nofile=1000:2000",
                "--oom-score-adj", "300", "--security-opt", "no-new-privileges", "-u", "1000:1000", "--group-add", "5",
                "busybox", "sleep", "600");
        berthd.dockerOk("run", "-d", "--name", "privileged", "--privileged", "busybox", "sleep", "600");
    }

    @AfterAll
    static void cleanup() {
        berthd.docker("rm", "-f", "plain", "tuned", "privileged");
    }

    private static List<String> probe(String container) {
        String out = berthd.dockerOk("exec", container, "sh", "-c", "P=$$; " + PROBE + "; echo ====; P=1; " + PROBE).out();
        return List.of(out.split("====\n", -1));
    }

    @Test
    void anExecIsConfinedAsTheContainersOwnProcess() {
        for (String c : List.of("plain", "tuned", "privileged")) {
            List<String> halves = probe(c);
            assertThat(halves).as(c).hasSize(2);
            // the shell's own lines (it is not pid 1) differ only where a process's identity shows
            assertThat(halves.get(0).strip()).as(c).isEqualTo(halves.get(1).strip());
        }
        String tuned = probe("tuned").getFirst();
        assertThat(tuned).contains("NoNewPrivs:\t1").contains("Uid:\t1000\t1000\t1000\t1000").contains("Groups:\t5")
                .contains("Max open files            1000                 2000");
        assertThat(probe("plain").getFirst()).contains("Seccomp:\t2").contains("NoNewPrivs:\t0").contains("HOME=/root");
        assertThat(probe("privileged").getFirst()).contains("Seccomp:\t0");
        // exec --privileged: every capability the daemon has, as a privileged container's, under the container's own filter
        String allCaps = berthd.dockerOk("exec", "privileged", "grep", "CapEff", "/proc/1/status").out();
        assertThat(berthd.dockerOk("exec", "--privileged", "plain", "grep", "-E", "CapEff|Seccomp:", "/proc/self/status").out())
                .isEqualTo(allCaps + "\nSeccomp:\t2");
    }

    @Test
    void theExecCarriesRuncsSeccompFilterInstructionForInstruction() throws Exception {
        for (String c : List.of("plain", "tuned")) {
            String marker = c.equals("plain") ? "4241" : "4242";
            berthd.dockerOk("exec", "-d", c, "sleep", marker);
            long init = Long.parseLong(berthd.dockerOk("inspect", "-f", "{{.State.Pid}}", c).out());
            long exec = hostPid(init, marker);
            byte[] ours = dumpFilter(exec);
            assertThat(ours).as(c).isNotEmpty().isEqualTo(dumpFilter(init));
            // and it is berth-nsexec that ran it: the filter it took from the container's init is kept for the next
            String id = berthd.dockerOk("inspect", "-f", "{{.Id}}", c).out();
            try (Stream<Path> files = Files.list(berthd.execRoot().resolve("containers").resolve(id))) {
                assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("seccomp-" + init + "-\\d+\\.bpf"));
            }
        }
    }

    @Test
    void aFifoForPasswdDoesNotHoldTheExec() {
        berthd.dockerOk("run", "-d", "--name", "fifo", "busybox", "sh", "-c", "rm /etc/passwd && mkfifo /etc/passwd && sleep 600");
        try {
            for (int i = 0; i < 50 && berthd.docker("exec", "fifo", "test", "-p", "/etc/passwd").exitCode() != 0; i++) {
                Thread.sleep(100);
            }
            // runc's rule for a missing entry: HOME=/
            assertThat(berthd.dockerOk("exec", "fifo", "sh", "-c", "echo $HOME").out()).isEqualTo("/");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            berthd.docker("rm", "-f", "fifo");
        }
    }

    @Test
    void failuresAreWordedAsDockersWithItsExitCodes() {
        CommandResult cwd = berthd.docker("exec", "-w", "/nope", "plain", "true");
        assertThat(cwd.exitCode()).isEqualTo(127);
        assertThat(cwd.stderr()).contains("OCI runtime exec failed: exec failed: unable to start container process: "
                + "chdir to cwd (\"/nope\") set in config.json failed: no such file or directory: unknown");
        CommandResult notExecutable = berthd.docker("exec", "plain", "/etc/hostname");
        assertThat(notExecutable.exitCode()).isEqualTo(126);
        assertThat(notExecutable.stderr()).contains("exec: \"/etc/hostname\": permission denied");
        CommandResult signalled = berthd.docker("exec", "plain", "sh", "-c", "kill -9 $$");
        assertThat(signalled.exitCode()).isEqualTo(137);
    }

    /** The host pid of the process in {@code init}'s pid namespace whose command line is {@code sleep marker}. */
    private static long hostPid(long init, String marker) throws Exception {
        String ns = Files.readSymbolicLink(Path.of("/proc", Long.toString(init), "ns", "pid")).toString();
        for (int i = 0; i < 100; i++) {
            List<Long> found = new ArrayList<>();
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                    try {
                        if (Files.readString(p.resolve("cmdline")).equals("sleep\0" + marker + "\0")
                                && Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(ns)) {
                            found.add(Long.parseLong(p.getFileName().toString()));
                        }
                    } catch (IOException gone) {
                        // exited meanwhile
                    }
                }
            }
            if (!found.isEmpty()) {
                return found.getFirst();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no process sleep " + marker + " in the container");
    }

    /** The oldest seccomp filter of {@code pid}, as raw instructions, read with berth-nsexec. */
    private static byte[] dumpFilter(long pid) throws IOException, InterruptedException {
        Path helper = berthd.repo().resolve("berth-daemon/target/berth-nsexec");
        Process p = new ProcessBuilder(helper.toString(), "dump-seccomp", Long.toString(pid))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] filter = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as("dump-seccomp " + pid).isZero();
        return filter;
    }
}
