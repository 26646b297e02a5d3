package dev.berth.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's dockerd (package docker.io) on its own socket, data root, exec root, pidfile and cgroup parent, with
 * no bridge and no iptables rules, so it can run beside any other Docker engine; the docker 28 CLI talks to it.
 */
public final class PrivateDockerd implements AutoCloseable {
    public static final String DOCKERD = "/usr/sbin/dockerd";
    public static final String DOCKER = "/usr/local/bin/docker";

    /** Exit code and combined output of one docker CLI run. */
    public record Result(int exit, String output) {}

    private final Path dir;
    private final String cgroupParent = "berth-reg-it-" + UUID.randomUUID().toString().substring(0, 8);
    private Process process;

    private PrivateDockerd(Path dir) {
        this.dir = dir;
    }

    /** Starts dockerd and waits for it to answer; throws with its log if it cannot start. */
    public static PrivateDockerd start() throws IOException, InterruptedException {
        // Short: containerd's sockets live below the exec root, and unix socket paths are limited to 108 bytes.
        PrivateDockerd d = new PrivateDockerd(Files.createTempDirectory(Path.of("/tmp"), "brd-"));
        try {
            d.launch();
            return d;
        } catch (IOException | RuntimeException | InterruptedException e) {
            d.close();
            throw e;
        }
    }

    private void launch() throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("docker-config"));
        Files.writeString(dir.resolve("daemon.json"), "{}");
        process = new ProcessBuilder(DOCKERD, "--host", "unix://" + dir.resolve("d.sock"),
                "--config-file", dir.resolve("daemon.json").toString(),
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "--pidfile", dir.resolve("d.pid").toString(), "--bridge=none", "--iptables=false",
                "--ip-masq=false", "--cgroup-parent=" + cgroupParent, "--insecure-registry", "127.0.0.0/8")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("dockerd exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(dir.resolve("d.sock")) && docker("version", "--format", "{{.Server.Version}}").exit() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("dockerd did not answer within 60 s:\n" + log());
    }

    /** The DOCKER_HOST value of this engine. */
    public String host() {
        return "unix://" + dir.resolve("d.sock");
    }

    /** Whether Debian's dockerd and the docker CLI are installed, so an engine can be started. */
    public static boolean available() {
        return Files.isExecutable(Path.of(DOCKERD)) && Files.isExecutable(Path.of(DOCKER));
    }

    public String log() throws IOException {
        Path l = dir.resolve("dockerd.log");
        if (!Files.exists(l)) {
            return "";
        }
        String s = Files.readString(l);
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    public Result docker(String... args) throws IOException, InterruptedException {
        return dockerWithInput(null, args);
    }

    public Result dockerWithInput(byte[] input, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(DOCKER));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("DOCKER_HOST", "unix://" + dir.resolve("d.sock"));
        env.put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
        Process p = pb.start();
        if (input != null) {
            try (var out = p.getOutputStream()) {
                out.write(input);
            }
        } else {
            p.getOutputStream().close();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("docker " + String.join(" ", args) + " timed out");
        }
        return new Result(p.exitValue(), out);
    }

    public Result dockerOk(String... args) throws IOException, InterruptedException {
        Result r = docker(args);
        if (r.exit() != 0) {
            throw new AssertionError("docker " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.output());
        }
        return r;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        unmountBelow(dir);
        removeCgroups();
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // a mount that would not go: leave the directory rather than fail the test on cleanup
            }
        }
    }

    private static void unmountBelow(Path dir) throws IOException, InterruptedException {
        List<String> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4];
            if (mp.equals(dir.toString()) || mp.startsWith(dir + "/")) {
                points.add(mp);
            }
        }
        points.sort(Comparator.reverseOrder());
        for (String mp : points) {
            new ProcessBuilder("umount", "-l", mp).redirectErrorStream(true).start().waitFor();
        }
    }

    private void removeCgroups() throws IOException {
        try (Stream<Path> s = Files.walk(Path.of("/sys/fs/cgroup"), 6)) {
            for (Path c : s.filter(p -> p.getFileName() != null
                    && p.getFileName().toString().equals(cgroupParent)).toList()) {
                try (Stream<Path> inner = Files.walk(c)) {
                    for (Path p : inner.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                        // rmdir of a cgroup only succeeds once it is empty; children come first
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // cgroupfs walks race with the kernel; a leftover empty cgroup is harmless
        }
    }
}
