package dev.berth.cli.client;

import dev.berth.sys.PemTls;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How the client speaks TLS to a TCP daemon: the context, and whether the server's certificate and name are checked. */
public record TlsClient(SSLContext context, boolean verify) {

    /**
     * The docker CLI's rules: {@code --tlsverify} or {@code DOCKER_TLS_VERIFY} verify the daemon against the CA;
     * {@code --tls} alone encrypts without checking it; certificates default to {@code DOCKER_CERT_PATH} (or
     * {@code ~/.docker}) {@code ca.pem}, {@code cert.pem}, {@code key.pem}, each used when it exists. Null: no TLS.
     */
    public static TlsClient resolve(boolean tlsFlag, boolean verifyFlag, String caFlag, String certFlag, String keyFlag,
                                    String envVerify, String envTls, String envCertPath, String home) throws IOException {
        boolean verify = verifyFlag || envVerify != null && !envVerify.isEmpty();
        boolean tls = verify || tlsFlag || envTls != null && !envTls.isEmpty();
        if (!tls) {
            return null;
        }
        Path dir = envCertPath != null && !envCertPath.isEmpty() ? Path.of(envCertPath) : Path.of(home, ".docker");
        Path ca = pick(caFlag, dir.resolve("ca.pem"));
        Path cert = pick(certFlag, dir.resolve("cert.pem"));
        Path key = pick(keyFlag, dir.resolve("key.pem"));
        if (certFlag != null && keyFlag == null || certFlag == null && keyFlag != null) {
            throw new IOException("--tlscert and --tlskey must be given together");
        }
        return new TlsClient(PemTls.clientContext(ca, cert, key, verify), verify);
    }

    /** A path given on the command line must exist; a default one is used only when it does. */
    private static Path pick(String flag, Path fallback) throws IOException {
        if (flag != null) {
            Path p = Path.of(flag);
            if (!Files.isReadable(p)) {
                throw new IOException("could not read " + p);
            }
            return p;
        }
        return Files.isReadable(fallback) ? fallback : null;
    }
}
