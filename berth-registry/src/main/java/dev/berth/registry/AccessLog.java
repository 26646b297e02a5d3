package dev.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One JSON line per answered request: time, remote address, user, method, path, status, bytes and duration. */
final class AccessLog implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final AccessLog OFF = new AccessLog(null);

    /** One finished request. */
    record Entry(Instant time, String remote, String user, String method, String uri, int status, long bytesIn,
                 long bytesOut, long nanos, String userAgent) {}

    private final PrintStream out;

    private AccessLog(PrintStream out) {
        this.out = out;
    }

    static AccessLog open(RegistryConfig.AccessLogSettings s) throws IOException {
        if (s.disabled()) {
            return OFF;
        }
        if (s.path().isEmpty()) {
            return new AccessLog(System.out);
        }
        Files2.ensureDir(s.path().get().toAbsolutePath().getParent());
        OutputStream file = Files.newOutputStream(s.path().get(), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        return new AccessLog(new PrintStream(file, true, StandardCharsets.UTF_8));
    }

    void log(Entry e) {
        if (out == null) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", e.time().toString());
        line.put("remote", e.remote());
        line.put("user", e.user());
        line.put("method", e.method());
        line.put("uri", e.uri());
        line.put("status", e.status());
        line.put("bytes_in", e.bytesIn());
        line.put("bytes_out", e.bytesOut());
        line.put("duration_ms", e.nanos() / 1_000_000.0);
        line.put("user_agent", e.userAgent());
        try {
            String json = MAPPER.writeValueAsString(line);
            synchronized (out) {
                out.println(json);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() {
        if (out != null && out != System.out) {
            out.close();
        }
    }
}
