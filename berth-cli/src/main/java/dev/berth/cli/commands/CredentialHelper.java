package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A docker credential helper ({@code docker-credential-<name>} on {@code PATH}) spoken to as the docker CLI
 * does: {@code get} and {@code erase} read the server address on stdin, {@code store} reads
 * {@code {"ServerURL","Username","Secret"}}; {@code get} answers the same object. The username
 * {@code <token>} marks an identity token kept as the secret.
 */
record CredentialHelper(String name, String path) {
    // path: the PATH value the helper is looked up in (may be null).
    static final String TOKEN_USERNAME = "<token>";
    private static final String NOT_FOUND = "credentials not found in native keychain";

    /** Stored credentials; {@code secret} is the password, or the identity token when the username is <token>. */
    record Credentials(String username, String secret) {}

    /** The stored credentials for {@code server}, empty when the helper has none. */
    Optional<Credentials> get(String server) {
        Result r = run("get", server.getBytes(StandardCharsets.UTF_8));
        if (r.exit != 0) {
            if (r.out.contains(NOT_FOUND)) {
                return Optional.empty();
            }
            throw new ExitException(1, "error getting credentials - err: exit status " + r.exit + ", out: `"
                    + r.out.strip() + "`");
        }
        try {
            JsonNode n = Json.parse(r.out);
            String user = n.path("Username").asText("");
            String secret = n.path("Secret").asText("");
            return user.isEmpty() && secret.isEmpty() ? Optional.empty() : Optional.of(new Credentials(user, secret));
        } catch (IOException e) {
            throw new ExitException(1, "error getting credentials - err: " + e.getMessage() + ", out: `" + r.out.strip() + "`");
        }
    }

    void store(String server, Credentials c) {
        ObjectNode body = Json.object();
        body.put("ServerURL", server);
        body.put("Username", c.username());
        body.put("Secret", c.secret());
        Result r = run("store", Json.bytes(body));
        if (r.exit != 0) {
            throw new ExitException(1, "error storing credentials - err: exit status " + r.exit + ", out: `"
                    + r.out.strip() + "`");
        }
    }

    void erase(String server) {
        Result r = run("erase", server.getBytes(StandardCharsets.UTF_8));
        if (r.exit != 0 && !r.out.contains(NOT_FOUND)) {
            throw new ExitException(1, "error erasing credentials - err: exit status " + r.exit + ", out: `"
                    + r.out.strip() + "`");
        }
    }

    private record Result(int exit, String out) {}

    private String executable() {
        String program = "docker-credential-" + name;
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        throw new ExitException(1, "exec: \"" + program + "\": executable file not found in $PATH");
    }

    private Result run(String action, byte[] input) {
        String exe = executable();
        try {
            Process p = new ProcessBuilder(exe, action).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (InputStream in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the helper died; its exit status says so
                }
            });
            try (OutputStream in = p.getOutputStream()) {
                in.write(input);
            } catch (IOException ignored) {
                // the helper exited without reading its input
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ExitException(1, exe + " " + action + " did not finish within 60 s");
            }
            reader.join();
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ExitException(1, "exec: \"" + exe + "\": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExitException(1, "interrupted");
        }
    }

    /** The helper config.json names for {@code key}: {@code credHelpers[key]}, else {@code credsStore}. */
    static Optional<String> configured(JsonNode config, String key) {
        String specific = config.path("credHelpers").path(key).asText("");
        if (!specific.isEmpty()) {
            return Optional.of(specific);
        }
        String store = config.path("credsStore").asText("");
        return store.isEmpty() ? Optional.empty() : Optional.of(store);
    }
}
