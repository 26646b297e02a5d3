package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.sys.PemTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Who may open the daemon's door: the unix socket's group, and on TCP mutual TLS ({@code --tlsverify}), TLS
 * without client certificates ({@code --tls}) or plain HTTP. Anything short of {@code --tlsverify} on TCP
 * needs {@code --insecure-tcp}, and is warned about at every start: whoever reaches the API is root here.
 *
 * @param socketGroup   the group given the unix sockets (mode 0660); null keeps root's
 * @param groupExplicit the group was asked for ({@code -G}): its absence is an error, not a quiet fallback
 */
public record ApiAccess(boolean tls, boolean tlsVerify, Path caCert, Path cert, Path key, boolean insecureTcp,
                        String socketGroup, boolean groupExplicit) {
    private static final Logger LOG = Logger.getLogger(ApiAccess.class.getName());
    /** dockerd's docker group, named for berth. */
    public static final String DEFAULT_GROUP = "berth";

    /** Unix sockets only, group {@code berth} when it exists, no TCP without TLS. */
    public static final ApiAccess DEFAULT = new ApiAccess(false, false, null, null, null, false, DEFAULT_GROUP, false);

    /**
     * From flags (null: not given) and the config file ({@code tls}, {@code tlsverify}, {@code tlscacert},
     * {@code tlscert}, {@code tlskey}, {@code group}, {@code insecure-tcp}); a setting in both is a conflict, as in dockerd.
     * Certificates default to docker's {@code $DOCKER_CERT_PATH} or {@code ~/.docker}, {@code ca.pem}, {@code cert.pem}, {@code key.pem}.
     */
    public static ApiAccess resolve(JsonNode file, Boolean tls, Boolean tlsVerify, Path ca, Path cert, Path key,
                                    Boolean insecureTcp, String group, List<String> conflicts) {
        boolean verify = bool(file, "tlsverify", tlsVerify, conflicts);
        boolean useTls = bool(file, "tls", tls, conflicts) || verify;
        String certDir = System.getenv("DOCKER_CERT_PATH");
        Path dir = certDir != null && !certDir.isEmpty() ? Path.of(certDir) : Path.of(System.getProperty("user.home"), ".docker");
        String g = string(file, "group", group, conflicts);
        return new ApiAccess(useTls, verify, path(file, "tlscacert", ca, dir.resolve("ca.pem"), conflicts),
                path(file, "tlscert", cert, dir.resolve("cert.pem"), conflicts),
                path(file, "tlskey", key, dir.resolve("key.pem"), conflicts),
                bool(file, "insecure-tcp", insecureTcp, conflicts), g == null ? DEFAULT_GROUP : g, g != null);
    }

    private static boolean bool(JsonNode file, String key, Boolean flag, List<String> conflicts) {
        if (file.has(key)) {
            if (flag != null) {
                conflicts.add(key);
            }
            return file.get(key).asBoolean();
        }
        return flag != null && flag;
    }

    private static String string(JsonNode file, String key, String flag, List<String> conflicts) {
        if (file.has(key)) {
            if (flag != null) {
                conflicts.add(key);
            }
            return file.get(key).asText();
        }
        return flag;
    }

    private static Path path(JsonNode file, String key, Path flag, Path fallback, List<String> conflicts) {
        String s = string(file, key, flag == null ? null : flag.toString(), conflicts);
        return s == null ? fallback : Path.of(s).toAbsolutePath();
    }

    /**
     * Checks the listen addresses against this policy before anything listens: {@link IllegalArgumentException}
     * (berthd exits 1) when TCP is asked for without a safe way in and without {@code --insecure-tcp}.
     */
    public void check(List<String> hosts) {
        for (String h : tcpHosts(hosts)) {
            if (!tlsVerify && !insecureTcp) {
                throw new IllegalArgumentException("refusing to serve the API on " + h + " without --tlsverify: "
                        + "whoever reaches it is root on this machine (pass --insecure-tcp to accept that)");
            }
        }
    }

    /** Logs, at every start, a warning for each TCP listener that lets clients in without a certificate. */
    public void warn(List<String> hosts) {
        for (String h : tcpHosts(hosts)) {
            if (!tlsVerify) {
                LOG.warning("SECURITY: the API on " + h + (tls ? " uses TLS without client certificates" : " is plain HTTP")
                        + ": ANYONE who can reach it is root on this machine (--insecure-tcp). Use --tlsverify.");
            }
        }
    }

    private static List<String> tcpHosts(List<String> hosts) {
        return hosts.stream().filter(h -> h.startsWith("tcp://")).toList();
    }

    /** The server TLS context for TCP listeners, or null without {@code --tls}/{@code --tlsverify}. */
    public SslContext sslContext() throws IOException {
        if (!tls) {
            return null;
        }
        for (Path p : tlsVerify ? List.of(caCert, cert, key) : List.of(cert, key)) {
            if (!Files.isReadable(p)) {
                throw new IOException("could not load TLS material: " + p + " is missing or unreadable");
            }
        }
        SslContextBuilder b = SslContextBuilder.forServer(PemTls.keyManagers(cert, key));
        if (tlsVerify) {
            b.trustManager(PemTls.trustManagers(caCert)).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
    }
}
