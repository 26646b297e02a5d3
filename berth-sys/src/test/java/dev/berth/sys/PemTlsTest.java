package dev.berth.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PemTlsTest {
    private static void sh(Path dir, String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "set -e; cd \"$1\"; " + script, "pem", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    /** Signs with the key read by PemTls and verifies with the certificate's public key: the pair really matches. */
    private static void assertPair(Path cert, Path key) throws Exception {
        X509Certificate c = PemTls.certificates(cert)[0];
        PrivateKey k = PemTls.privateKey(key);
        String alg = k.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        Signature s = Signature.getInstance(alg);
        s.initSign(k);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        v.initVerify(c.getPublicKey());
        v.update(new byte[] {1, 2, 3});
        assertThat(v.verify(sig)).isTrue();
    }

    @Test
    void readsTheKeyFormsOpensslWrites(@TempDir Path dir) throws Exception {
        sh(dir, """
                openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa8.pem -out rsa.crt -days 1 -subj /CN=a 2>/dev/null
                openssl rsa -in rsa8.pem -traditional -out rsa1.pem 2>/dev/null
                openssl ecparam -name prime256v1 -genkey -noout -out ec1.pem
                openssl req -x509 -new -key ec1.pem -out ec.crt -days 1 -subj /CN=b
                openssl pkcs8 -topk8 -nocrypt -in ec1.pem -out ec8.pem
                openssl ecparam -name secp384r1 -genkey -out ec384.pem
                openssl req -x509 -new -key ec384.pem -out ec384.crt -days 1 -subj /CN=c
                cat rsa.crt ec.crt > chain.pem
                """);
        assertThat(Files.readString(dir.resolve("rsa1.pem"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(dir.resolve("ec1.pem"))).contains("BEGIN EC PRIVATE KEY");
        assertPair(dir.resolve("rsa.crt"), dir.resolve("rsa8.pem"));
        assertPair(dir.resolve("rsa.crt"), dir.resolve("rsa1.pem"));
        assertPair(dir.resolve("ec.crt"), dir.resolve("ec1.pem"));
        assertPair(dir.resolve("ec.crt"), dir.resolve("ec8.pem"));
        assertPair(dir.resolve("ec384.crt"), dir.resolve("ec384.pem")); // EC PARAMETERS block before the key
        assertThat(PemTls.certificates(dir.resolve("chain.pem"))).hasSize(2);
        assertThat(PemTls.keyManagers(dir.resolve("rsa.crt"), dir.resolve("rsa1.pem")).getKeyManagers()).isNotEmpty();
        assertThat(PemTls.trustManagers(dir.resolve("chain.pem")).getTrustManagers()).isNotEmpty();
    }

    @Test
    void garbageIsAClearError(@TempDir Path dir) throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        assertThatThrownBy(() -> PemTls.certificates(empty)).hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> PemTls.privateKey(empty)).hasMessageContaining("no PEM private key");
        Path bad = Files.writeString(dir.resolve("bad.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemTls.privateKey(bad)).isInstanceOf(IOException.class).hasMessageContaining("unreadable");
        Path ec = Files.writeString(dir.resolve("ec.pem"), "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemTls.privateKey(ec)).isInstanceOf(IOException.class);
    }
}
