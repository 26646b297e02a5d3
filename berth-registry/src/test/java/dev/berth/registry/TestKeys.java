package dev.berth.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * An EC P-256 token signing key with its self-signed certificate, made by the JDK's keytool (so tests need no
 * openssl) and written as {@code <name>.crt} and {@code <name>.key} (PKCS#8 PEM) for a registry config.
 */
record TestKeys(PrivateKey key, X509Certificate certificate, Path certificateFile, Path keyFile) {
    static TestKeys make(Path dir, String name) throws IOException, InterruptedException, GeneralSecurityException {
        Path store = dir.resolve(name + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "testpass")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, "testpass".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey(name, "testpass".toCharArray());
        X509Certificate cert = (X509Certificate) ks.getCertificate(name);
        Path crt = dir.resolve(name + ".crt");
        Path pem = dir.resolve(name + ".key");
        Files.writeString(crt, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(pem, pem("PRIVATE KEY", key.getEncoded()));
        return new TestKeys(key, cert, crt, pem);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + type
                + "-----\n";
    }
}
