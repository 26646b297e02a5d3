package dev.berth.tests.containers;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker exec}, with and without a TTY, through the real docker CLI and the API. */
class ExecTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void container() {
        berthd.importBusybox("busybox");
        berthd.dockerOk("run", "-d", "--name", "target", "-e", "CV=1", "busybox", "sleep", "300");
    }

    @AfterAll
    static void cleanup() {
        berthd.docker("rm", "-f", "target");
    }


    @Test
    void outputStreamsAndExitCode() {
        CommandResult r = berthd.docker("exec", "target", "sh", "-c", "echo out $CV; echo err >&2; exit 4");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.stdout()).isEqualTo("out 1\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    @Test
    void stdinUserWorkdirAndEnv() {
        assertThat(berthd.dockerWithInput("piped\n".getBytes(), "exec", "-i", "target", "cat").stdout()).isEqualTo("piped\n");
        assertThat(berthd.dockerOk("exec", "-u", "nobody", "-w", "/tmp", "-e", "X=2", "target", "sh", "-c", "id -u; pwd; echo $X $CV").out())
                .isEqualTo("65534\n/tmp\n2 1");
    }

    @Test
    void missingCommandIs127WithDockersMessage() {
        CommandResult r = berthd.docker("exec", "target", "nosuch");
        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.stderr()).contains("OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuch\": "
                + "executable file not found in $PATH: unknown");
    }

    @Test
    void detachedExecRunsOnItsOwn() throws Exception {
        berthd.dockerOk("exec", "-d", "target", "sh", "-c", "echo detached > /tmp/d; while [ ! -e /tmp/stop ]; do sleep 1; done");
        for (int i = 0; i < 100 && berthd.docker("exec", "target", "cat", "/tmp/d").exitCode() != 0; i++) {
            Thread.sleep(100);
        }
        assertThat(berthd.dockerOk("exec", "target", "cat", "/tmp/d").out()).isEqualTo("detached");
        // As Docker: ExecIDs lists the execs still running, not those that ended (they stay inspectable)
        assertThat(berthd.dockerOk("inspect", "-f", "{{len .ExecIDs}}", "target").out()).isEqualTo("1");
        berthd.dockerOk("exec", "target", "touch", "/tmp/stop");
        String ids = "1";
        for (int i = 0; i < 100 && !ids.equals("0"); i++) {
            Thread.sleep(100);
            ids = berthd.dockerOk("inspect", "-f", "{{len .ExecIDs}}", "target").out();
        }
        assertThat(ids).isEqualTo("0");
    }

    @Test
    void refusedWhereItCannotRun() {
        String stopped = berthd.dockerOk("create", "busybox", "true").out();
        assertThat(berthd.docker("exec", stopped, "true").stderr()).contains("is not running");
        berthd.dockerOk("rm", stopped);
        assertThat(berthd.docker("exec", "nosuchcontainer", "true").stderr()).contains("No such container");
        berthd.dockerOk("run", "-d", "--name", "frozen", "busybox", "sleep", "300");
        berthd.dockerOk("pause", "frozen");
        CommandResult paused = berthd.docker("exec", "frozen", "true");
        assertThat(paused.exitCode()).isNotZero();
        assertThat(paused.stderr()).contains("is paused, unpause the container before exec");
        berthd.dockerOk("rm", "-f", "frozen");
    }

    private static CommandResult inTerminal(String shell) {
        // script(1) gives the docker CLI a real pseudo-terminal
        return BerthdFixture.run(List.of("script", "-qec", shell, "/dev/null"), null,
                Map.of("DOCKER_HOST", berthd.dockerHost(), "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
    }

    @Test
    void ttyExecGetsATerminalOfTheClientsSizeAndItsExitCode() {
        CommandResult r = inTerminal("stty cols 97 rows 31; " + BerthdFixture.DOCKER
                + " exec -it target sh -c 'tty; stty size; echo $CV; exit 5'");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
        assertThat(r.stdout()).containsPattern("/dev/pts/\\d+\r\n").contains("31 97\r\n").contains("1\r\n");
    }

    @Test
    void ttyExecTakesTypedInput() {
        java.nio.file.Path feed = berthd.dir().resolve("exec-feed.sh");
        try {
            java.nio.file.Files.writeString(feed, "sleep 1; echo 'echo $((6*7)); exit 3'; sleep 4\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CommandResult r = BerthdFixture.run(List.of("sh", "-c", "sh " + feed + " | script -qec '" + BerthdFixture.DOCKER
                        + " exec -it target sh' /dev/null"), null,
                Map.of("DOCKER_HOST", berthd.dockerHost(), "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout()).containsPattern("\n42\r*\n");
    }

    private static CommandResult typed(String keys, String command) {
        java.nio.file.Path feed = berthd.dir().resolve("exec-keys-" + System.nanoTime() + ".sh");
        try {
            java.nio.file.Files.writeString(feed, keys);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return BerthdFixture.run(List.of("sh", "-c", "sh " + feed + " | script -qec '" + command + "' /dev/null"), null,
                Map.of("DOCKER_HOST", berthd.dockerHost(), "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
    }

    /** Starts a TTY exec over a raw hijacked connection, types {@code keys}; returns what the daemon sent until it closed. */
    private static String typeIntoTtyExec(String detachKeys, String cmd, byte[] keys) throws Exception {
        String create = "{\"AttachStdin\":true,\"AttachStdout\":true,\"Tty\":true,\"DetachKeys\":\"" + detachKeys
                + "\",\"Cmd\":[\"sh\",\"-c\",\"" + cmd + "\"]}";
        String id = MAPPER.readTree(berthd.api("POST", "/containers/target/exec", create).body()).path("Id").asText();
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(berthd.socket()))) {
            String body = "{\"Tty\":true}";
            String req = "POST /v1.50/exec/" + id + "/start HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            ch.write(java.nio.ByteBuffer.wrap(req.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Thread.sleep(500);
            ch.write(java.nio.ByteBuffer.wrap(keys));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
            java.util.concurrent.Future<?> reader = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor().submit(() -> {
                while (ch.read(buf.clear()) > 0) {
                    got.write(buf.array(), 0, buf.position());
                }
                return null;
            });
            reader.get(20, java.util.concurrent.TimeUnit.SECONDS); // the daemon lets the client go
            return got.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void ttyExecDetachKeysLeaveTheCommandRunning() throws Exception {
        // a custom sequence: the keys before it reach the command, the sequence does not, the command runs on
        typeIntoTtyExec("ctrl-x", "cat > /tmp/typed", "abc\n\u0018".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Thread.sleep(300);
        assertThat(berthd.dockerOk("exec", "target", "cat", "/tmp/typed").out()).isEqualTo("abc");
        assertThat(berthd.docker("exec", "target", "pidof", "cat").exitCode()).isZero();
        berthd.dockerOk("exec", "target", "sh", "-c", "kill $(pidof cat)");
        // Docker's default, ctrl-p ctrl-q; a ctrl-p alone is passed on, as a ctrl-q alone
        typeIntoTtyExec("", "od -c > /tmp/typed2", "\u0010a\u0011\n\u0010\u0011".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(berthd.docker("exec", "target", "pidof", "od").exitCode()).isZero();
        berthd.dockerOk("exec", "target", "sh", "-c", "kill -INT $(pidof od)");
        // the docker CLI watches for the sequence itself and ends with its own message
        CommandResult r = typed("sleep 1; printf 'x\\030'; sleep 2",
                BerthdFixture.DOCKER + " exec -it --detach-keys ctrl-x target sh -c \"cat > /dev/null\"");
        assertThat(r.stdout()).contains("read escape sequence");
        berthd.docker("exec", "target", "sh", "-c", "kill $(pidof cat)");
        // a bad sequence is refused at create with Docker's message
        CommandResult bad = berthd.docker("exec", "--detach-keys", "ctrl-1", "target", "true");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("Invalid escape keys (ctrl-1) provided");
    }

    @Test
    void ttyWithoutInteractiveAndDetachedTty() throws Exception {
        // -t alone: output through the terminal (CRLF), no stdin
        CommandResult r = inTerminal(BerthdFixture.DOCKER + " exec -t target sh -c 'echo hi; exit 2'");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        // the container's terminal wrote CR LF; script's own terminal (not raw without -i) adds a CR of its own
        assertThat(r.stdout()).contains("hi\r");
        berthd.dockerOk("exec", "-dt", "target", "sh", "-c", "tty > /tmp/dt");
        Thread.sleep(500);
        assertThat(berthd.dockerOk("exec", "target", "cat", "/tmp/dt").out()).startsWith("/dev/pts/");
    }

    @Test
    void envFileAndPrivileged() throws Exception {
        java.nio.file.Path envFile = berthd.dir().resolve("exec.env");
        java.nio.file.Files.writeString(envFile, "# comment\nA=from file\nB=2\n");
        assertThat(berthd.dockerOk("exec", "--env-file", envFile.toString(), "-e", "B=3", "target", "sh", "-c", "echo $A $B").out())
                .isEqualTo("from file 3");
        // privileged gets every capability a privileged container gets
        String plain = berthd.dockerOk("exec", "target", "sh", "-c", "grep CapEff /proc/self/status").out();
        String priv = berthd.dockerOk("exec", "--privileged", "target", "sh", "-c", "grep CapEff /proc/self/status").out();
        String privRun = berthd.dockerOk("run", "--rm", "--privileged", "busybox", "sh", "-c", "grep CapEff /proc/self/status").out();
        assertThat(priv).isNotEqualTo(plain).isEqualTo(privRun);
    }

    @Test
    void inspectShowsRunningPidThenExitCode() throws Exception {
        String id = berthd.api("POST", "/containers/target/exec",
                "{\"Cmd\":[\"sh\",\"-c\",\"sleep 2; exit 7\"]}").body();
        id = MAPPER.readTree(id).path("Id").asText();
        assertThat(berthd.api("POST", "/exec/" + id + "/start", "{\"Detach\":true}").status()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode running = null;
        for (int i = 0; i < 50; i++) {
            running = MAPPER.readTree(berthd.api("GET", "/exec/" + id + "/json", null).body());
            if (running.path("Pid").asLong() > 0) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(running.path("Running").asBoolean()).isTrue();
        long pid = running.path("Pid").asLong();
        assertThat(pid).isPositive();
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/cmdline"))).startsWith("sh\0-c\0sleep 2");
        com.fasterxml.jackson.databind.JsonNode after = null;
        for (int i = 0; i < 100; i++) {
            after = MAPPER.readTree(berthd.api("GET", "/exec/" + id + "/json", null).body());
            if (!after.path("Running").asBoolean()) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(after.path("Running").asBoolean()).isFalse();
        assertThat(after.path("ExitCode").asInt()).isEqualTo(7);
        assertThat(berthd.api("POST", "/exec/" + id + "/resize?h=10&w=20", null).status()).isEqualTo(200);
        assertThat(berthd.api("POST", "/exec/nosuch/resize?h=10&w=20", null).status()).isEqualTo(404);
        assertThat(berthd.api("POST", "/exec/" + id + "/start", "{}").status()).isEqualTo(409);
    }
}
