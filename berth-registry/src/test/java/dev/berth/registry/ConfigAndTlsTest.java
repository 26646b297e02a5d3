package dev.berth.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** registry.yaml, TLS with openssl-made certificates, client certificates, and the loopback rule. */
class ConfigAndTlsTest {
    @TempDir
    Path tmp;

    private Path yaml(String text) throws Exception {
        Path f = tmp.resolve("registry.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void configFileReadsDistributionStyleKeys() throws Exception {
        Path f = yaml("""
                version: 0.1
                log:
                  accesslog:
                    path: logs/access.log
                storage:
                  filesystem:
                    rootdirectory: data
                  maintenance:
                    uploadpurging:
                      age: 36h
                http:
                  addr: 127.0.0.1:5123
                  tls:
                    certificate: server.crt
                    key: server.key
                    clientcas: [ca.crt]
                auth:
                  htpasswd:
                    realm: my realm
                    path: users.htpasswd
                  access:
                    - account: alice
                      repository: "team/**"
                      actions: [pull, push]
                limits:
                  maxmanifestbytes: 1000
                  maxblobbytes: 5000
                """);
        RegistryConfig c = RegistryConfigFile.load(f);
        assertThat(c.root()).isEqualTo(tmp.resolve("data"));
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(5123);
        assertThat(c.uploadTtl()).isEqualTo(Duration.ofHours(36));
        assertThat(c.tls().orElseThrow().clientCas()).containsExactly(tmp.resolve("ca.crt"));
        assertThat(c.auth().htpasswd().orElseThrow().realm()).isEqualTo("my realm");
        assertThat(c.auth().access()).containsExactly(new AccessRule("alice", "team/**", java.util.Set.of("pull",
                "push")));
        assertThat(c.limits().maxManifestBytes()).isEqualTo(1000);
        assertThat(c.limits().maxBlobBytes()).isEqualTo(5000);
        assertThat(c.accessLog().path()).contains(tmp.resolve("logs/access.log"));
    }

    @Test
    void typosAndBadValuesAreErrors() throws Exception {
        String base = "storage:\n  filesystem:\n    rootdirectory: data\n";
        assertThatThrownBy(() -> RegistryConfigFile.load(yaml(base + "htpp:\n  addr: 1:2\n")))
                .hasMessageContaining("unknown setting htpp");
        assertThatThrownBy(() -> RegistryConfigFile.load(yaml(base + "http:\n  adr: 1:2\n")))
                .hasMessageContaining("unknown setting http.adr");
        assertThatThrownBy(() -> RegistryConfigFile.load(yaml("http:\n  addr: 127.0.0.1:1\n")))
                .hasMessageContaining("storage is required");
        assertThatThrownBy(() -> RegistryConfigFile.load(yaml(base + "limits:\n  maxblobbytes: lots\n")))
                .hasMessageContaining("limits.maxblobbytes: expected a non-negative whole number");
        assertThatThrownBy(() -> RegistryConfigFile.load(yaml(base
                + "storage2: 1\n"))).hasMessageContaining("unknown setting storage2");
        assertThatThrownBy(() -> RegistryConfigFile.load(yaml(base + "auth:\n  access:\n    - account: a\n"
                + "      repository: x\n      actions: [pul]\n"))).hasMessageContaining("unknown action pul");
    }

    /** Values RegistryConfigFuzzTest found escaping as something other than a one-line IllegalArgumentException. */
    @Test
    void valuesTheFuzzerFoundAreClearErrors() throws Exception {
        String base = "storage:\n  filesystem:\n    rootdirectory: data\n";
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        // StackOverflowError: String.valueOf of a list that holds itself through an alias
        bad.put("http:\n  tls:\n    certificate: c\n    key: k\n    clientcas: &a [x, {y: *a}]\n",
                "http.tls.clientcas: expected a list of strings");
        // StackOverflowError inside SnakeYAML: a mapping key holding such a list is hashed while loading (found in CI)
        bad.put("http:\n  tls:\n    certificate: c\n  ? key: k\n    clientcas: &a [x, {y: *a}]\n",
                "a collection that contains itself (through an alias) is not allowed");
        // accepted, then the bind failed with a message naming no setting
        bad.put("http:\n  addr: 127.0.0.1:99999\n", "port must be 0 to 65535");
        // DateTimeParseException, NumberFormatException, ArithmeticException
        bad.put("  maintenance:\n    uploadpurging:\n      age: PXYZ\n", "invalid duration PXYZ");
        bad.put("  maintenance:\n    uploadpurging:\n      age: 99999999999999999999h\n", "invalid duration");
        bad.put("  maintenance:\n    uploadpurging:\n      age: 9999999999999999h\n", "invalid duration");
        // accepted: a negative time to live expires every upload at once
        bad.put("  maintenance:\n    uploadpurging:\n      age: PT-5H\n", "negative");
        // accepted as 1 and as a wrapped value
        bad.put("limits:\n  maxblobbytes: 1.5\n", "limits.maxblobbytes: expected a non-negative whole number");
        bad.put("limits:\n  maxbodybytes: 99999999999999999999999\n", "limits.maxbodybytes: expected");
        // SnakeYAML's own IllegalArgumentException, without the file's name
        bad.put("http:\n  addr: !!binary aGVsbG08=\n", "registry.yaml: ");
        // accepted as "[B@1b2c3d" and "Fri Dec 14 ...": a Java object's toString instead of the text
        bad.put("http:\n  addr: !!binary aGVsbG8=\n", "http.addr: expected a string, number or boolean");
        bad.put("auth:\n  htpasswd:\n    realm: 2001-12-14\n    path: p\n",
                "auth.htpasswd.realm: expected a string, number or boolean (quote");
        for (var e : bad.entrySet()) {
            String text = base + e.getKey();
            assertThatThrownBy(() -> RegistryConfigFile.load(yaml(text))).as(e.getKey())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(e.getValue());
        }
        assertThatThrownBy(() -> RegistryConfig.local(tmp, "127.0.0.1", 0, Duration.ofHours(1)).withListen(":70000"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port must be 0 to 65535");
    }

    @Test
    void plainHttpOffLoopbackNeedsInsecure() throws Exception {
        RegistryConfig open = RegistryConfig.local(tmp.resolve("root"), "0.0.0.0", 0, Duration.ofHours(1));
        assertThatThrownBy(() -> RegistryServer.start(open)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 over plain HTTP");
        assertThat(open.withInsecure(true).checkExposure()).get().asString().contains("insecure");
        try (RegistryServer s = RegistryServer.start(open.withInsecure(true))) {
            assertThat(s.port()).isPositive();
        }
    }

    @Test
    void tlsServesCurlAndSkopeoWithItsCertificate() throws Exception {
        assumeTrue(SkopeoCopyTest.skopeoAvailable(), "skopeo is not installed (scripts/install-deps.sh)");
        Tools.makeCertificates(tmp);
        Path f = yaml("""
                storage:
                  filesystem:
                    rootdirectory: data
                http:
                  addr: 127.0.0.1:0
                  tls:
                    certificate: server.crt
                    key: server.key
                """);
        try (RegistryServer s = RegistryServer.start(RegistryConfigFile.load(f))) {
            String base = "https://127.0.0.1:" + s.port();
            assertThat(Tools.ok(tmp, "curl", "-sS", "--cacert", "ca.crt", "-D-", base + "/v2/"))
                    .contains("Docker-Distribution-API-Version: registry/2.0");
            // Without the CA the certificate is not trusted: curl's "peer certificate cannot be authenticated".
            assertThat(Tools.run(tmp, List.of("curl", "-sS", base + "/v2/")).exit()).isEqualTo(60);

            Path certDir = Files.createDirectories(tmp.resolve("certs.d"));
            Files.copy(tmp.resolve("ca.crt"), certDir.resolve("ca.crt"));
            Path src = tmp.resolve("src");
            Path dst = tmp.resolve("dst");
            SkopeoCopyTest.writeLayout(src);
            String ref = "docker://127.0.0.1:" + s.port() + "/tls/img:v1";
            Tools.ok(tmp, "skopeo", "--insecure-policy", "copy", "--dest-cert-dir", certDir.toString(),
                    "oci:" + src + ":v1", ref);
            Tools.ok(tmp, "skopeo", "--insecure-policy", "copy", "--src-cert-dir", certDir.toString(), ref,
                    "oci:" + dst + ":v1");
            Map<String, byte[]> before = SkopeoCopyTest.blobs(src);
            Map<String, byte[]> after = SkopeoCopyTest.blobs(dst);
            assertThat(after.keySet()).isEqualTo(before.keySet());
            before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
        }
    }

    @Test
    void clientCasRequireAClientCertificate() throws Exception {
        Tools.makeCertificates(tmp);
        RegistryConfig c = RegistryConfig.local(tmp.resolve("data"), "127.0.0.1", 0, Duration.ofHours(1))
                .withTls(new RegistryConfig.Tls(tmp.resolve("server.crt"), tmp.resolve("server.key"),
                        List.of(tmp.resolve("ca.crt"))));
        try (RegistryServer s = RegistryServer.start(c)) {
            String url = "https://127.0.0.1:" + s.port() + "/v2/";
            assertThat(Tools.run(tmp, List.of("curl", "-sS", "--cacert", "ca.crt", url)).exit()).isNotZero();
            assertThat(Tools.ok(tmp, "curl", "-sS", "--cacert", "ca.crt", "--cert", "client.crt", "--key",
                    "client.key", "-o", "/dev/null", "-w", "%{http_code}", url)).isEqualTo("200");
        }
    }

    @Test
    void aKeyThatIsNotPkcs8IsExplained() throws Exception {
        Tools.ok(tmp, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
        assertThatThrownBy(() -> PemFiles.privateKey(tmp.resolve("ec.key")))
                .hasMessageContaining("openssl pkcs8 -topk8");
    }
}
