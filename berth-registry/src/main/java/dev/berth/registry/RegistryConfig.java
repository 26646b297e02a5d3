package dev.berth.registry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything a registry server needs to start: where it stores, where it listens, TLS, auth, limits and logging.
 * Built from flags ({@link #local}) or from a {@code registry.yaml} ({@link RegistryConfigFile}).
 */
public record RegistryConfig(Path root, String host, int port, Optional<Tls> tls, boolean insecure, Auth auth,
                             Limits limits, Duration uploadTtl, AccessLogSettings accessLog) {
    public static final Duration DEFAULT_UPLOAD_TTL = Duration.ofHours(24);

    /** Server certificate and key (PEM, key in PKCS#8), and the CAs that client certificates must chain to. */
    public record Tls(Path certificate, Path key, List<Path> clientCas) {}

    /** htpasswd file (bcrypt entries) and the realm named in the Basic challenge. */
    public record Htpasswd(String realm, Path path) {}

    /**
     * Bearer tokens: JWTs from {@code issuer} for {@code service}, verified against the certificates in
     * {@code rootCertBundle}. With a {@code signingKey} the registry also issues them itself at {@code /token};
     * an empty realm then means "this server's /token as the client reached it".
     */
    public record Token(String realm, String service, String issuer, Path rootCertBundle,
                        Optional<Path> signingKey, Duration expiration) {}

    /** The auth scheme (none, htpasswd, token) and who may do what. */
    public record Auth(Optional<Htpasswd> htpasswd, Optional<Token> token, List<AccessRule> access) {
        public static final Auth NONE = new Auth(Optional.empty(), Optional.empty(), List.of());

        public boolean enabled() {
            return htpasswd.isPresent() || token.isPresent();
        }
    }

    /** Request size caps and the number of uploads written at once (beyond it: 429); 0 means no cap. */
    public record Limits(long maxManifestBytes, long maxBlobBytes, long maxBodyBytes, long maxConcurrentUploads) {
        public static final Limits DEFAULT = new Limits(4 << 20, 0, 1 << 20, 0);
    }

    /** Where access log lines go: stdout when {@code path} is empty; nowhere when disabled. */
    public record AccessLogSettings(boolean disabled, Optional<Path> path) {
        public static final AccessLogSettings OFF = new AccessLogSettings(true, Optional.empty());
        public static final AccessLogSettings STDOUT = new AccessLogSettings(false, Optional.empty());
    }

    /** A plain-HTTP registry with no auth, as {@code serve --root --listen} starts it. */
    public static RegistryConfig local(Path root, String host, int port, Duration uploadTtl) {
        return new RegistryConfig(root, host, port, Optional.empty(), false, Auth.NONE, Limits.DEFAULT, uploadTtl,
                AccessLogSettings.OFF);
    }

    public RegistryConfig withRoot(Path r) {
        return new RegistryConfig(r, host, port, tls, insecure, auth, limits, uploadTtl, accessLog);
    }

    public RegistryConfig withListen(String h, int p) {
        return new RegistryConfig(root, h, p, tls, insecure, auth, limits, uploadTtl, accessLog);
    }

    public RegistryConfig withAuth(Auth a) {
        return new RegistryConfig(root, host, port, tls, insecure, a, limits, uploadTtl, accessLog);
    }

    public RegistryConfig withLimits(Limits l) {
        return new RegistryConfig(root, host, port, tls, insecure, auth, l, uploadTtl, accessLog);
    }

    public RegistryConfig withTls(Tls t) {
        return new RegistryConfig(root, host, port, Optional.of(t), insecure, auth, limits, uploadTtl, accessLog);
    }

    public RegistryConfig withInsecure(boolean i) {
        return new RegistryConfig(root, host, port, tls, i, auth, limits, uploadTtl, accessLog);
    }

    public RegistryConfig withUploadTtl(Duration d) {
        return new RegistryConfig(root, host, port, tls, insecure, auth, limits, d, accessLog);
    }

    public RegistryConfig withAccessLog(AccessLogSettings a) {
        return new RegistryConfig(root, host, port, tls, insecure, auth, limits, uploadTtl, a);
    }

    /** Parses {@code host:port} ({@code [v6]:port} too). */
    public RegistryConfig withListen(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("listen address must be host:port, not " + listen);
        }
        String h = listen.substring(0, colon).replaceAll("^\\[|]$", "");
        int p;
        try {
            p = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen address must be host:port, not " + listen);
        }
        if (p < 0 || p > 65535) {
            // caught here rather than by the bind, whose message does not name the setting
            throw new IllegalArgumentException("listen address " + listen + ": port must be 0 to 65535");
        }
        return withListen(h.isEmpty() ? "0.0.0.0" : h, p);
    }

    /**
     * Refuses what would expose the registry without protection: plain HTTP on a non-loopback address is only
     * allowed with {@code insecure}. Returns a warning to log, or empty.
     */
    public Optional<String> checkExposure() throws UnknownHostException {
        if (tls.isPresent() || InetAddress.getByName(host).isLoopbackAddress()) {
            return Optional.empty();
        }
        if (!insecure) {
            throw new IllegalArgumentException("refusing to listen on " + host + " over plain HTTP: configure "
                    + "http.tls, or set http.insecure (--insecure) to accept that credentials and images travel "
                    + "in clear text");
        }
        return Optional.of("listening on " + host + " over plain HTTP (insecure): "
                + (auth.enabled() ? "passwords and tokens" : "everything, with no auth,") + " travels in clear text");
    }
}
