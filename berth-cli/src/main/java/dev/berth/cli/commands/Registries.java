package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Optional;

/**
 * Registry credentials kept as docker keeps them: {@code auths} in {@code config.json} under
 * {@code $DOCKER_CONFIG} (default {@code ~/.docker}), keyed by registry host, with Docker Hub
 * under {@code https://index.docker.io/v1/}, or in the credential helper config.json names ({@code credHelpers},
 * {@code credsStore}); and the {@code X-Registry-Auth} header made from them.
 */
final class Registries {
    static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

    private final Path file;
    private final String path;

    Registries(Cli cli) {
        this.path = cli.env("PATH");
        String dir = cli.env("DOCKER_CONFIG");
        if (dir == null || dir.isEmpty()) {
            String home = cli.env("HOME");
            dir = (home == null || home.isEmpty() ? System.getProperty("user.home") : home) + "/.docker";
        }
        this.file = Path.of(dir).resolve("config.json");
    }

    Path file() {
        return file;
    }

    /** The registry host of an image reference: {@code docker.io} for Docker Hub images. */
    static String domainOf(String image) {
        String name = References.normalizedName(References.nameAndTag(image)[0]);
        return name.substring(0, name.indexOf('/'));
    }

    /** The config.json key for a registry: Docker Hub's legacy URL, else the host (scheme and path dropped). */
    static String key(String server) {
        if (server == null || server.isEmpty()) {
            return DOCKER_HUB_KEY;
        }
        String s = server;
        if (s.startsWith("http://") || s.startsWith("https://")) {
            s = s.substring(s.indexOf("://") + 3);
        }
        if (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.contains("/")) {
            s = s.substring(0, s.indexOf('/'));
        }
        if (s.equals("docker.io") || s.equals("index.docker.io") || s.equals("registry-1.docker.io")) {
            return DOCKER_HUB_KEY;
        }
        return s;
    }

    ObjectNode read() {
        try {
            JsonNode n = Json.parse(Files.readAllBytes(file));
            return n instanceof ObjectNode o ? o : Json.object();
        } catch (NoSuchFileException e) {
            return Json.object();
        } catch (IOException e) {
            throw new ExitException(1, "loading config file " + file + ": " + e.getMessage());
        }
    }

    void write(ObjectNode config) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, (Json.string(config) + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ExitException(1, "saving config file " + file + ": " + e.getMessage());
        }
    }

    /** The credential helper config.json names for {@code key} ({@code credHelpers}, then {@code credsStore}). */
    Optional<CredentialHelper> helperFor(JsonNode config, String key) {
        return CredentialHelper.configured(config, key).map(name -> new CredentialHelper(name, path));
    }

    /** The stored credentials for {@code key} as an auth config object, or an empty one. */
    ObjectNode authConfig(String key) {
        ObjectNode out = Json.object();
        ObjectNode config = read();
        Optional<CredentialHelper> helper = helperFor(config, key);
        if (helper.isPresent()) {
            helper.get().get(key).ifPresent(c -> {
                if (c.username().equals(CredentialHelper.TOKEN_USERNAME)) {
                    out.put("identitytoken", c.secret());
                } else {
                    out.put("username", c.username());
                    out.put("password", c.secret());
                }
            });
            out.put("serveraddress", key);
            return out;
        }
        JsonNode entry = config.path("auths").path(key);
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            try {
                String plain = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
                int colon = plain.indexOf(':');
                if (colon >= 0) {
                    out.put("username", plain.substring(0, colon));
                    out.put("password", plain.substring(colon + 1));
                }
            } catch (IllegalArgumentException ignored) {
                // unreadable entry: anonymous
            }
        }
        if (!entry.path("identitytoken").asText("").isEmpty()) {
            out.put("identitytoken", entry.get("identitytoken").asText());
            out.remove("password");
        }
        out.put("serveraddress", key);
        return out;
    }

    /** The X-Registry-Auth header value for pulling or pushing {@code image}. */
    String headerFor(String image) {
        String domain = domainOf(image);
        return Base64.getUrlEncoder().encodeToString(Json.bytes(authConfig(key(domain))));
    }

    /**
     * Keeps credentials: with the configured helper (config.json then only notes the registry with an
     * empty entry, as docker does), else base64 in {@code auths}.
     *
     * @return true when a credential helper keeps them
     */
    boolean store(String key, String username, String password, String identityToken) {
        ObjectNode config = read();
        ObjectNode auths = config.has("auths") && config.get("auths").isObject() ? (ObjectNode) config.get("auths") : config.putObject("auths");
        ObjectNode entry = Json.object();
        boolean token = identityToken != null && !identityToken.isEmpty();
        Optional<CredentialHelper> helper = helperFor(config, key);
        if (helper.isPresent()) {
            helper.get().store(key, token ? new CredentialHelper.Credentials(CredentialHelper.TOKEN_USERNAME, identityToken)
                    : new CredentialHelper.Credentials(username, password));
        } else if (token) {
            entry.put("auth", Base64.getEncoder().encodeToString((username + ":").getBytes(StandardCharsets.UTF_8)));
            entry.put("identitytoken", identityToken);
        } else {
            entry.put("auth", Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        auths.set(key, entry);
        write(config);
        return helper.isPresent();
    }

    /** Removes the credentials for {@code key}; false when there were none. */
    boolean remove(String key) {
        ObjectNode config = read();
        JsonNode auths = config.path("auths");
        if (!(auths instanceof ObjectNode a) || !a.has(key)) {
            return false;
        }
        helperFor(config, key).ifPresent(h -> h.erase(key));
        a.remove(key);
        write(config);
        return true;
    }
}
