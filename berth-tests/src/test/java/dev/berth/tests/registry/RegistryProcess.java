package dev.berth.tests.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A berth-registry started from the built jar ({@code java -jar berth-registry.jar serve ...}) on a free port. */
final class RegistryProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("serving .* on [^ ]+:(\\d+)");

    private final Path jar;
    private final Path log;
    private final List<String> args;
    private Process process;
    private int port;

    RegistryProcess(Path log, String... args) {
        this.jar = repo().resolve("berth-registry/target/berth-registry.jar");
        this.log = log;
        this.args = List.of(args);
    }

    static Path repo() {
        String prop = System.getProperty("berth.repo");
        if (prop != null) {
            return Path.of(prop);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("bin/berth-registry"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the checkout (bin/berth-registry)");
        }
        return p;
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    }

    /** Runs another subcommand of the same jar (such as gc) and returns its exit code and output. */
    String run(String... cmd) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                jar.toString()));
        all.addAll(List.of(cmd));
        Process p = new ProcessBuilder(all).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(120, TimeUnit.SECONDS);
        return p.exitValue() + ":" + out;
    }

    /** Starts the server and waits until its log names the port it listens on. */
    RegistryProcess start() throws IOException, InterruptedException {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build berth-registry first (mvn -pl berth-tests -am)");
        }
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-jar",
                jar.toString(), "serve"));
        cmd.addAll(args);
        long before = Files.exists(log) ? Files.size(log) : 0;
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            Matcher m = SERVING.matcher(text.substring((int) Math.min(before, text.length())));
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return this;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("berth-registry exited with " + process.exitValue() + ":\n" + text);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("berth-registry did not start within 30 s:\n" + Files.readString(log));
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no flush, no cleanup. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }
}
