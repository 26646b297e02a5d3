package dev.berth.tests;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real berthd for one test class: its own data root, exec root, socket and cgroup parent under
 * a fresh temp dir, started from the built jar. Runs the real docker CLI and berth against it.
 * {@link #close()} stops it and removes every container, conmon, mount and cgroup it made, even
 * after a failed test. Use with {@code @RegisterExtension static BerthdFixture berthd = new BerthdFixture();}.
 */
public final class BerthdFixture implements BeforeAllCallback, AfterAllCallback, AfterEachCallback, AutoCloseable {
    public static final String DOCKER = "/usr/local/bin/docker";
    private static final String[] CGROUP_V1 = {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd", "unified"};

    private final Path repo = findRepo();
    private final List<String> extraArgs = new ArrayList<>();
    private Path dir;
    private Process process;
    private String cgroupParent;
    private FixtureNetwork network;

    public BerthdFixture(String... extraArgs) {
        this.extraArgs.addAll(List.of(extraArgs));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    /** After a failed test, the daemon's recent log goes to the test's output (the temp dir is removed). */
    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            List<String> lines = log().lines().toList();
            System.out.println("---- berthd log (last 150 lines) after " + context.getDisplayName() + " ----");
            lines.subList(Math.max(0, lines.size() - 150), lines.size()).forEach(System.out::println);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Creates fresh roots and starts berthd; returns when its API answers. */
    public BerthdFixture start() throws IOException, InterruptedException {
        // Short paths: unix socket paths are limited to 108 bytes.
        dir = Files.createTempDirectory(Path.of("/tmp"), "bit-");
        // searchable (not listable) by others: with --userns-remap, as for dockerd, the remapped root must
        // be able to reach the data root through every directory above it
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        String uid = UUID.randomUUID().toString().substring(0, 8);
        cgroupParent = "berth-it-" + uid;
        network = FixtureNetwork.claim(uid);
        Files.createDirectories(dir.resolve("docker-config"));
        launch();
        return this;
    }

    private void launch() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED",
                "@" + repo.resolve("bin/berthd.jvm-options"),
                "-jar", repo.resolve("berth-daemon/target/berthd.jar").toString(),
                "--data-root", dataRoot().toString(), "--exec-root", execRoot().toString(),
                "-H", "unix://" + socket(), "--cgroup-parent", cgroupParent, "--log-level", "debug"));
        if (!extraArgs.contains("--bridge") && !extraArgs.contains("-b")) {
            cmd.addAll(network.daemonArgs());
        }
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("berthd.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("berthd exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (api("GET", "/_ping", null).status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // socket not there yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("berthd did not answer within 30 s:\n" + log());
    }

    public Path dir() {
        return dir;
    }

    public Path dataRoot() {
        return dir.resolve("data");
    }

    public Path execRoot() {
        return dir.resolve("run");
    }

    public Path socket() {
        return execRoot().resolve("berth.sock");
    }

    public String dockerHost() {
        return "unix://" + socket();
    }

    /** A docker-java client (the one Testcontainers uses) on this daemon's socket; the caller closes it. */
    public DockerClient dockerJava() {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost()).build();
        var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build();
        return DockerClientImpl.getInstance(config, http);
    }

    public String cgroupParent() {
        return cgroupParent;
    }

    /** This berthd's bridge name and subnets. */
    public FixtureNetwork network() {
        return network;
    }

    public Path repo() {
        return repo;
    }

    public long pid() {
        return process.pid();
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("berthd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGKILL: berthd gets no chance to clean up, as in a crash. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts berthd again on the same roots (after {@link #kill9()} or {@link #stop()}). */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            stop();
        }
        launch();
    }

    /** SIGTERM and wait, as an operator's orderly stop. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Runs the real docker CLI against this berthd. */
    public CommandResult docker(String... args) {
        return dockerWithInput(null, args);
    }

    public CommandResult dockerWithInput(byte[] stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(DOCKER));
        cmd.addAll(List.of(args));
        return run(cmd, stdin, Map.of("DOCKER_HOST", dockerHost(), "DOCKER_CONFIG", dir.resolve("docker-config").toString()));
    }

    /** Runs the real docker CLI and checks it succeeded. */
    public CommandResult dockerOk(String... args) {
        return docker(args).ok();
    }

    /** Runs berth and checks it succeeded. */
    public CommandResult berthOk(String... args) {
        return berth(args).ok();
    }

    /** Runs Berth's own CLI (bin/berth) against this berthd. */
    public CommandResult berth(String... args) {
        return berthWithInput(null, args);
    }

    public CommandResult berthWithInput(byte[] stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(repo.resolve("bin/berth").toString()));
        cmd.addAll(List.of(args));
        return run(cmd, stdin, Map.of("BERTH_HOST", dockerHost(), "DOCKER_HOST", dockerHost(),
                "DOCKER_CONFIG", dir.resolve("docker-config").toString()));
    }

    /** A busybox root filesystem tar made from the host's static busybox. */
    public byte[] busyboxTar() {
        CommandResult r = run(List.of(repo.resolve("scripts/busybox-rootfs.sh").toString()), null, Map.of());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("busybox-rootfs.sh failed: " + r.stderr());
        }
        return r.stdout().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Imports the busybox rootfs as {@code reference} through the real docker CLI. */
    public void importBusybox(String reference) {
        CommandResult r = dockerWithInput(busyboxTar(), "import", "-c", "CMD [\"sh\"]", "-", reference);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("docker import failed: " + r + "\n" + log());
        }
    }

    public static CommandResult run(List<String> cmd, byte[] stdin, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Process p = pb.start();
            var out = new ByteArrayOutputStream();
            var err = new ByteArrayOutputStream();
            Thread to = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
            Thread te = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignored) {
                // the command may exit without reading its input
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("command timed out: " + cmd);
            }
            to.join();
            te.join();
            return new CommandResult(p.exitValue(), out.toString(StandardCharsets.ISO_8859_1), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void copy(InputStream in, OutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // process ended
        }
    }

    /** One HTTP request on the API socket (HTTP/1.1, Connection: close). */
    public ApiResult api(String method, String path, String jsonBody) throws IOException {
        return apiRaw(method, path, "application/json", jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8));
    }

    public ApiResult apiRaw(String method, String path, String contentType, byte[] body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket()));
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n");
            if (body != null) {
                req.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            req.append("\r\n");
            ch.write(ByteBuffer.wrap(req.toString().getBytes(StandardCharsets.UTF_8)));
            if (body != null) {
                ByteBuffer b = ByteBuffer.wrap(body);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            byte[] raw = Channels.newInputStream(ch).readAllBytes();
            return parseResponse(raw);
        }
    }

    /** A whole HTTP/1.1 response as read off a connection (a chunked body is put together). */
    public static ApiResult parseResponse(byte[] raw) {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("malformed response: " + all);
        }
        String[] lines = all.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, c).trim().toLowerCase(java.util.Locale.ROOT), lines[i].substring(c + 1).trim());
        }
        String body = all.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            StringBuilder sb = new StringBuilder();
            int pos = 0;
            while (pos < body.length()) {
                int nl = body.indexOf("\r\n", pos);
                int size = Integer.parseInt(body.substring(pos, nl).trim(), 16);
                if (size == 0) {
                    break;
                }
                sb.append(body, nl + 2, nl + 2 + size);
                pos = nl + 2 + size + 2;
            }
            body = sb.toString();
        }
        return new ApiResult(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }

    /** Stops berthd and removes everything it made under this fixture's roots. */
    @Override
    public void close() {
        if (dir == null) {
            return;
        }
        try {
            if (process != null && process.isAlive()) {
                stop();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Path runcRoot = execRoot().resolve("runc");
        if (Files.isDirectory(runcRoot)) {
            CommandResult list = run(List.of("runc", "--root", runcRoot.toString(), "list", "-q"), null, Map.of());
            for (String id : list.stdout().split("\\s+")) {
                if (!id.isBlank()) {
                    run(List.of("runc", "--root", runcRoot.toString(), "delete", "-f", id), null, Map.of());
                }
            }
        }
        killProcessesMentioning(dir.toString());
        unmountUnder(dir);
        network.cleanup(execRoot());
        removeCgroups();
        deleteTree(dir);
        dir = null;
    }

    /** conmon processes carry our unique temp dir in their arguments: they are ours to stop. */
    private static void killProcessesMentioning(String marker) {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == ProcessHandle.current().pid()) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.contains(marker)) {
                        ProcessHandle.of(Long.parseLong(name)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                } catch (IOException gone) {
                    // process ended meanwhile
                }
            }
        } catch (IOException ignored) {
            // no /proc: nothing to do
        }
    }

    private static void unmountUnder(Path root) {
        try {
            List<String> targets = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String mp = line.split(" ")[4].replace("\\040", " ");
                if (mp.startsWith(root.toString())) {
                    targets.add(mp);
                }
            }
            targets.sort(Comparator.comparingInt(String::length).reversed());
            for (String t : targets) {
                run(List.of("umount", "-l", t), null, Map.of());
            }
        } catch (IOException ignored) {
            // nothing mounted
        }
    }

    private void removeCgroups() {
        for (String ctrl : CGROUP_V1) {
            deleteCgroupTree(Path.of("/sys/fs/cgroup", ctrl, cgroupParent));
        }
        deleteCgroupTree(Path.of("/sys/fs/cgroup", cgroupParent));
    }

    private static void deleteCgroupTree(Path p) {
        if (!Files.isDirectory(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            // cgroup dirs are removed with rmdir, children first; their files cannot be deleted.
            walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(d -> d.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void deleteTree(Path root) {
        run(List.of("rm", "-rf", "--one-file-system", root.toString()), null, Map.of());
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    }

    /** The repository root (where bin/berth and bin/berthd live). */
    public static Path repoRoot() {
        return findRepo();
    }

    private static Path findRepo() {
        String prop = System.getProperty("berth.repo");
        if (prop != null) {
            return Path.of(prop);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("bin/berthd"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root (bin/berthd) above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
