package dev.berth.tests.distribution;

import dev.berth.registry.RegistryServer;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A registry on a non-loopback address is HTTPS only, checked against the system trust store plus
 * the registry's own CA in certs.d ({@code --registry-certs-dir}, docker's certs.d layout).
 */
class TlsTest {
    static final Path CERTS = tempDir();

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("--registry-certs-dir", CERTS.toString());

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("berth-certs.d");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void removeCerts() throws IOException {
        dev.berth.oci.LayerArchive.removeTree(CERTS);
    }

    private static InetAddress hostAddress() throws IOException {
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (n.isUp() && !n.isLoopback()) {
                for (InetAddress a : Collections.list(n.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a;
                    }
                }
            }
        }
        return null;
    }

    @Test
    void aSelfSignedRegistryIsRefusedUntilItsCaIsInCertsD() throws Exception {
        InetAddress address = hostAddress();
        Assumptions.assumeTrue(address != null, "no non-loopback IPv4 address");
        Path dir = Files.createTempDirectory("berth-tls");
        try (RegistryServer registry = RegistryServer.start(dir.resolve("root"), "127.0.0.1", 0)) {
            String ip = address.getHostAddress();
            Path ks = dir.resolve("server.p12");
            CommandResult gen = BerthdFixture.run(List.of("keytool", "-genkeypair", "-alias", "reg", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", "CN=berth-test-registry", "-ext", "SAN=ip:" + ip, "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit"), null, Map.of());
            assertThat(gen.exitCode()).as(gen.toString()).isZero();
            Path crt = dir.resolve("ca.crt");
            assertThat(BerthdFixture.run(List.of("keytool", "-exportcert", "-rfc", "-alias", "reg", "-keystore", ks.toString(),
                    "-storepass", "changeit", "-file", crt.toString()), null, Map.of()).exitCode()).isZero();
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(ks)) {
                store.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, "changeit".toCharArray());
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), null, null);
            TestImage img = TestImage.of("amd64", List.of(berthd.busyboxTar(), TestImage.fileTar("tls.txt", "over tls\n")));
            img.push("127.0.0.1:" + registry.port(), "secure/app", "1");

            try (AuthProxy front = new AuthProxy(AuthProxy.Mode.NONE, null, null, "127.0.0.1:" + registry.port(), address, tls)) {
                String ref = front.host() + "/secure/app:1";
                CommandResult untrusted = berthd.docker("pull", ref);
                assertThat(untrusted.exitCode()).isEqualTo(1);
                assertThat(untrusted.stderr()).containsIgnoringCase("certificate").doesNotContain("http://");

                Path hostDir = CERTS.resolve(front.host());
                Files.createDirectories(hostDir);
                Files.copy(crt, hostDir.resolve("ca.crt"));
                CommandResult trusted = berthd.dockerOk("pull", ref);
                assertThat(trusted.stdout()).contains("Status: Downloaded newer image for " + ref);
                assertThat(berthd.dockerOk("run", "--rm", ref, "cat", "/tls.txt").stdout()).isEqualTo("over tls\n");
                berthd.dockerOk("rmi", ref);
            }
        } finally {
            dev.berth.oci.LayerArchive.removeTree(dir);
        }
    }
}
