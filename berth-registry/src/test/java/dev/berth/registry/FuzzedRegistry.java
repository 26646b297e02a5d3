package dev.berth.registry;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A registry server on a temp root for the HTTP fuzz targets, and the properties every fuzzed answer must have:
 * a well-formed status below 500 (an error body in the spec's format), no failure logged by the server, nothing
 * written under the root for a refused request, nothing touched beside the root. The root sits in a directory
 * that also holds {@code outside/}, which must never change. After each input the root is put back as it was
 * after setup, so an input's outcome never depends on the inputs before it.
 */
final class FuzzedRegistry implements AutoCloseable {
    private static final Set<String> CODES = Stream.of(ErrorCode.values()).map(Enum::name).collect(Collectors.toSet());

    final Path parent;
    final Path root;
    final RegistryClient client;
    private final Logger logger = Logger.getLogger("dev.berth.registry");
    private final List<LogRecord> logged = Collections.synchronizedList(new ArrayList<>());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                logged.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Map<String, byte[]> baseline = Map.of();

    /** Makes the temp layout; {@code config} gets the root to serve. Call {@link #settled()} after setup. */
    FuzzedRegistry(java.util.function.Function<Path, RegistryConfig> config) throws Exception {
        // On tmpfs the server's fsyncs cost nothing: many times the inputs per second of a disk.
        Path shm = Path.of("/dev/shm");
        parent = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "berth-registry-fuzz-")
                : Files.createTempDirectory("berth-registry-fuzz-");
        root = parent.resolve("root");
        Files.createDirectories(parent.resolve("outside"));
        Files.writeString(parent.resolve("outside").resolve("secret"), "not the registry's\n");
        logger.addHandler(capture);
        client = new RegistryClient(config.apply(root));
    }

    /**
     * Jazzer's SSRF detector reports every connection; the targets talk to their own server on loopback only.
     * The policy is global; each input sets it, since Jazzer's agent is not there yet when {@code @BeforeAll} runs.
     */
    static void allowLoopback() {
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
    }

    /** Takes the current state of the root as the one every input starts from. */
    void settled() throws IOException {
        baseline = contents(root);
    }

    int port() {
        return client.port();
    }

    /** Every path under {@code dir} (relative, '/'-separated) with its content; directories map to null. */
    static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                if (rel.isEmpty()) {
                    continue;
                }
                try {
                    out.put(rel, Files.isDirectory(p) ? null : Files.readAllBytes(p));
                } catch (NoSuchFileException raced) {
                    // a temp file renamed meanwhile; the next snapshot sees the result
                }
            }
        }
        return out;
    }

    /** The whole temp directory but the root: must never change. */
    Map<String, String> outside() throws IOException {
        Map<String, String> out = new TreeMap<>();
        contents(parent).forEach((k, v) -> {
            if (!k.equals("root") && !k.startsWith("root/")) {
                out.put(k, v == null ? "dir" : HexFormat.of().formatHex(v));
            }
        });
        return out;
    }

    /** Sends one fuzzed request and checks what every answer must be. */
    RawHttp.Answer send(byte[] request, boolean head) throws IOException {
        Optional<RawHttp.Answer> a;
        try {
            a = RawHttp.exchange(port(), request, head);
        } catch (IOException | IllegalStateException e) {
            throw new AssertionError("no well-formed answer: " + e + problems(), e);
        }
        assertThat(a).as("an answer (server closed the connection instead)%s", problems()).isPresent();
        RawHttp.Answer answer = a.get();
        assertThat(answer.status()).as("%s%s", answer.statusLine(), problems()).isBetween(200, 499);
        assertThat(logged).as("failures logged by the server").isEmpty();
        String type = answer.header("content-type").orElse("");
        if (answer.status() >= 400 && type.equals("application/json") && answer.body().length > 0) {
            JsonNode error = RegistryClient.MAPPER.readTree(answer.body()).path("errors").path(0);
            assertThat(error.path("code").asText()).as("error code of %s", answer.statusLine()).isIn(CODES);
            assertThat(error.path("message").isTextual()).isTrue();
        }
        return answer;
    }

    private String problems() {
        synchronized (logged) {
            return logged.stream().map(r -> "\n" + r.getMessage() + ": " + r.getThrown())
                    .collect(Collectors.joining());
        }
    }

    /** Checks a refused request left the root as it found it (an ended upload session may be gone). */
    static void unchangedBy(Map<String, byte[]> before, Map<String, byte[]> after, String what) {
        for (var e : after.entrySet()) {
            assertThat(before).as("%s created %s", what, e.getKey()).containsKey(e.getKey());
            assertThat(e.getValue()).as("%s changed %s", what, e.getKey()).isEqualTo(before.get(e.getKey()));
        }
        for (String gone : before.keySet()) {
            if (!after.containsKey(gone)) {
                assertThat(gone).as("%s removed", what).startsWith("uploads/");
            }
        }
    }

    /** Puts the root back to the state of {@link #settled()}; upload sessions end through the API. */
    void restore() throws Exception {
        Path uploads = root.resolve("uploads");
        try (Stream<Path> s = Files.list(uploads)) {
            for (Path session : s.toList()) {
                if (baseline.containsKey("uploads/" + session.getFileName())) {
                    continue;
                }
                try {
                    String repo = Files.readString(session.resolve("repo"));
                    client.send("DELETE", "/v2/" + repo + "/blobs/uploads/" + session.getFileName(), null);
                } catch (NoSuchFileException | IllegalArgumentException unreadable) {
                    // removed with the files below
                }
            }
        }
        Map<String, byte[]> now = contents(root);
        List<String> extra = new ArrayList<>(now.keySet());
        extra.removeAll(baseline.keySet());
        extra.sort(Comparator.reverseOrder());
        for (String p : extra) {
            Files2.deleteTree(root.resolve(p));
        }
        for (var e : baseline.entrySet()) {
            Path p = root.resolve(e.getKey());
            if (e.getValue() == null) {
                Files.createDirectories(p);
            } else if (!java.util.Arrays.equals(now.get(e.getKey()), e.getValue())) {
                Files.write(p, e.getValue());
            }
        }
        logged.clear();
    }

    @Override
    public void close() throws IOException {
        client.close();
        logger.removeHandler(capture);
        Files2.deleteTree(parent);
    }
}
