package dev.berth.cli.commands;

import dev.berth.cli.TestCli;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Flags → create body, compared byte for byte with what the docker CLI 28 sent for the same flags (captured). */
class CreateBodyTest {
    private static String docker(String name) throws IOException {
        try (InputStream in = CreateBodyTest.class.getResourceAsStream("/docker28/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    private static CreateCommand parse(Map<String, String> env, String... args) {
        var inv = new TestCli(env).parse(args);
        CreateCommand c = (CreateCommand) inv.command();
        c.take(inv.args());
        return c;
    }

    private static String body(String... args) {
        return dev.berth.cli.client.Json.string(parse(Map.of(), args).body(null));
    }

    @Test
    void plainCreateMatchesDocker() throws IOException {
        assertThat(body("create", "busybox", "echo", "hi")).isEqualTo(docker("create-plain.json"));
    }

    @Test
    void resourceAndSecurityFlagsMatchDocker() throws IOException {
        assertThat(body("create", "--name", "n1", "-e", "A=1", "-w", "/tmp", "-u", "1000", "--entrypoint", "sh", "--hostname", "h",
                "-l", "a=b", "--memory", "64m", "--cpus", "1.5", "--cpu-shares", "512", "--pids-limit", "10", "--read-only",
                "--privileged", "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD", "--network", "none", "--ulimit", "nofile=100:200",
                "--shm-size", "32m", "--stop-signal", "SIGINT", "--stop-timeout", "5", "--rm", "busybox", "-c", "echo hi"))
                .isEqualTo(docker("create-many-flags.json"));
    }

    @Test
    void portsVolumesRestartDnsHostsInitMatchDocker() throws IOException {
        assertThat(body("create", "-i", "-p", "127.0.0.1:8080:80", "-p", "9090:90/udp", "--restart", "on-failure:3", "-v", "/srv:/data:ro",
                "-v", "/anon", "--env-file", "/dev/null", "--dns", "1.1.1.1", "--add-host", "h:1.2.3.4", "--init", "busybox"))
                .isEqualTo(docker("create-ports-volumes.json"));
    }

    @Test
    void detachedRunAttachesNothing() throws IOException {
        assertThat(body("run", "-d", "--rm", "busybox", "true")).isEqualTo(docker("run-detach-rm.json"));
    }

    @Test
    void flagsAfterTheImageBelongToTheContainer() {
        CreateCommand c = parse(Map.of(), "run", "--rm", "busybox", "ls", "-l", "--rm");
        assertThat(c.image).isEqualTo("busybox");
        assertThat(c.command).containsExactly("ls", "-l", "--rm");
    }

    @Test
    void bareEnvNameTakesTheLocalValueOrIsDropped() {
        CreateCommand c = parse(Map.of("HOME", "/root"), "run", "-e", "HOME", "-e", "UNSET_X", "busybox");
        assertThat(c.body(null).get("Env").toString()).isEqualTo("[\"HOME=/root\"]");
    }

    @Test
    void interactiveTtyRunSendsConsoleSize() {
        CreateCommand c = parse(Map.of(), "run", "-it", "busybox");
        var body = c.body(new int[] {40, 120});
        assertThat(body.get("Tty").asBoolean()).isTrue();
        assertThat(body.get("StdinOnce").asBoolean()).isTrue();
        assertThat(body.path("HostConfig").get("ConsoleSize").toString()).isEqualTo("[40,120]");
    }

    @Test
    void badMemoryValueIsAFlagErrorWith125() {
        CreateCommand c = parse(Map.of(), "run", "-m", "lots", "busybox");
        assertThatThrownBy(() -> c.body(null)).isInstanceOfSatisfying(dev.berth.cli.ExitException.class, e -> {
            assertThat(e.code()).isEqualTo(125);
            assertThat(e.getMessage()).startsWith("berth: invalid argument \"lots\" for \"-m, --memory\" flag");
        });
    }
}
