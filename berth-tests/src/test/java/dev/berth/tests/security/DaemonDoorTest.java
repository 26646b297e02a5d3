package dev.berth.tests.security;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon's door: TCP only with mutual TLS (certificates made here with openssl), the unix socket 0660 with
 * the asked-for group, and requests too large for the codec refused with a clear status.
 */
class DaemonDoorTest {
    private static final int PORT = freePort();
    private static final Path CERTS = makeCerts();
    private static final String TCP = "tcp://127.0.0.1:" + PORT;

    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture("-H", TCP, "--tlsverify",
            "--tlscacert", CERTS.resolve("ca.pem").toString(), "--tlscert", CERTS.resolve("server-cert.pem").toString(),
            // a PKCS#1 ("BEGIN RSA PRIVATE KEY") key: the form older openssl and docker's own docs produce
            "--tlskey", CERTS.resolve("server-key-rsa.pem").toString(), "-G", "daemon");

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox:door");
    }

    @AfterAll
    static void removeCerts() {
        BerthdFixture.run(List.of("rm", "-rf", CERTS.toString()), null, Map.of());
    }

    /** A CA, a server certificate for 127.0.0.1, client certificates in docker's layout, and a rogue CA's client. */
    private static Path makeCerts() {
        try {
            Path d = Files.createTempDirectory(Path.of("/tmp"), "bit-tls-");
            String script = """
                    set -e
                    cd "$1"
                    q() { "$@" >/dev/null 2>&1; }
                    q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 -subj /CN=berth-test-ca
                    q openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=localhost
                    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > server.ext
                    q openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem -days 2 -extfile server.ext
                    q openssl rsa -in server-key.pem -traditional -out server-key-rsa.pem
                    printf 'extendedKeyUsage=clientAuth\\n' > client.ext
                    mkdir client berth-client rogue nocert
                    q openssl req -newkey rsa:2048 -nodes -keyout client/key.pem -out client.csr -subj /CN=client
                    q openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client/cert.pem -days 2 -extfile client.ext
                    cp ca.pem client/ca.pem
                    # berth's client gets an EC key in SEC1 form ("BEGIN EC PRIVATE KEY")
                    q openssl ecparam -name prime256v1 -genkey -noout -out berth-client/key.pem
                    q openssl req -new -key berth-client/key.pem -out berth.csr -subj /CN=berth-client
                    q openssl x509 -req -in berth.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out berth-client/cert.pem -days 2 -extfile client.ext
                    cp ca.pem berth-client/ca.pem
                    q openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue-ca-key.pem -out rogue-ca.pem -days 2 -subj /CN=rogue
                    q openssl req -newkey rsa:2048 -nodes -keyout rogue/key.pem -out rogue.csr -subj /CN=rogue-client
                    q openssl x509 -req -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca-key.pem -CAcreateserial -out rogue/cert.pem -days 2 -extfile client.ext
                    cp ca.pem rogue/ca.pem
                    cp ca.pem nocert/ca.pem
                    """;
            CommandResult r = BerthdFixture.run(List.of("bash", "-c", script, "certs", d.toString()), null, Map.of());
            if (r.exitCode() != 0) {
                throw new IllegalStateException("openssl failed: " + r);
            }
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CommandResult dockerTcp(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(BerthdFixture.DOCKER));
        cmd.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.put("DOCKER_HOST", TCP);
        e.put("DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString());
        return BerthdFixture.run(cmd, null, e);
    }

    private static CommandResult berthTcp(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(berthd.repo().resolve("bin/berth").toString()));
        cmd.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.put("DOCKER_HOST", TCP);
        e.put("BERTH_HOST", TCP);
        e.put("DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString());
        return BerthdFixture.run(cmd, null, e);
    }

    private static String cert(String name) {
        return CERTS.resolve(name).toString();
    }

    @Test
    void dockerWithClientCertificateGetsIn() {
        CommandResult v = dockerTcp(Map.of(), "--tlsverify", "--tlscacert", cert("client/ca.pem"), "--tlscert",
                cert("client/cert.pem"), "--tlskey", cert("client/key.pem"), "version", "--format", "{{.Server.APIVersion}}");
        assertThat(v.exitCode()).as(v.toString()).isZero();
        assertThat(v.out()).isEqualTo("1.50");
        // the environment form, and a run whose output comes back over the hijacked TLS connection
        CommandResult run = dockerTcp(Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", cert("client")),
                "run", "--rm", "busybox:door", "echo", "over-tls");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("over-tls");
    }

    @Test
    void stdinEndsCleanlyOverTls() {
        // the client half-closes its TLS stream (close_notify) at the end of stdin; output still comes back
        Map<String, String> dockerEnv = new HashMap<>(Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", cert("client"),
                "DOCKER_HOST", TCP, "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
        CommandResult d = BerthdFixture.run(List.of(BerthdFixture.DOCKER, "run", "--rm", "-i", "busybox:door", "cat"),
                "through docker\n".getBytes(StandardCharsets.UTF_8), dockerEnv);
        assertThat(d.exitCode()).as(d.toString()).isZero();
        assertThat(d.out()).isEqualTo("through docker");
        Map<String, String> berthEnv = new HashMap<>(dockerEnv);
        berthEnv.put("DOCKER_CERT_PATH", cert("berth-client"));
        berthEnv.put("BERTH_HOST", TCP);
        CommandResult b = BerthdFixture.run(List.of(berthd.repo().resolve("bin/berth").toString(), "run", "--rm", "-i",
                "busybox:door", "cat"), "through berth\n".getBytes(StandardCharsets.UTF_8), berthEnv);
        assertThat(b.exitCode()).as(b.toString()).isZero();
        assertThat(b.out()).isEqualTo("through berth");
    }

    @Test
    void clientsWithoutAValidCertificateAreRefused() {
        CommandResult plain = dockerTcp(Map.of(), "version", "--format", "{{.Server.APIVersion}}");
        assertThat(plain.exitCode()).as(plain.toString()).isNotZero();
        assertThat(plain.out()).doesNotContain("1.50");
        assertThat(plain.stderr()).contains("Client sent an HTTP request to an HTTPS server");
        CommandResult noCert = dockerTcp(Map.of("DOCKER_CERT_PATH", cert("nocert")), "--tls", "--tlscacert",
                cert("ca.pem"), "ps");
        assertThat(noCert.exitCode()).as(noCert.toString()).isNotZero();
        assertThat(noCert.stderr()).containsIgnoringCase("certificate");
        CommandResult rogue = dockerTcp(Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", cert("rogue")), "ps");
        assertThat(rogue.exitCode()).as(rogue.toString()).isNotZero();
        assertThat(rogue.stderr()).containsIgnoringCase("certificate");
    }

    @Test
    void berthCliSpeaksTlsLikeDocker() {
        Map<String, String> env = Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", cert("berth-client"));
        CommandResult v = berthTcp(env, "version", "--format", "{{.Server.APIVersion}}");
        assertThat(v.exitCode()).as(v.toString()).isZero();
        assertThat(v.out()).isEqualTo("1.50");
        CommandResult run = berthTcp(env, "run", "--rm", "busybox:door", "echo", "berth-over-tls");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("berth-over-tls");
        CommandResult flags = berthTcp(Map.of(), "--tlsverify", "--tlscacert", cert("ca.pem"), "--tlscert",
                cert("client/cert.pem"), "--tlskey", cert("client/key.pem"), "ps", "-q");
        assertThat(flags.exitCode()).as(flags.toString()).isZero();
        assertThat(berthTcp(Map.of(), "ps").exitCode()).isNotZero();
        CommandResult rogue = berthTcp(Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", cert("rogue")), "ps");
        assertThat(rogue.exitCode()).isNotZero();
    }

    @Test
    void unixSocketIsForRootAndItsGroup() throws IOException {
        PosixFileAttributes a = Files.readAttributes(berthd.socket(), PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(a.permissions())).isEqualTo("rw-rw----");
        assertThat(a.group().getName()).isEqualTo("daemon");
        assertThat(a.owner().getName()).isEqualTo("root");
    }

    @Test
    void oversizedRequestsGetAClearStatus() throws IOException {
        assertThat(berthd.api("GET", "/" + "a".repeat(9000), null).status()).isEqualTo(414);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(berthd.socket()));
            String req = "GET /_ping HTTP/1.1\r\nHost: berth\r\nX-Big: " + "b".repeat(70_000) + "\r\n\r\n";
            ch.write(ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
            String resp = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(resp).startsWith("HTTP/1.1 431").contains("request headers larger than");
        }
        assertThat(berthd.api("GET", "/_ping", null).status()).isEqualTo(200); // and the daemon is fine
    }

    @Test
    void aHijackedStreamReachesOnlyItsContainer() {
        String other = berthd.dockerOk("run", "-d", "busybox:door", "sleep", "300").out();
        try {
            // An API request written into an attached stdin is just bytes for that container's process.
            String smuggled = "POST /v1.50/containers/" + other + "/kill HTTP/1.1\r\nHost: berth\r\nContent-Length: 0\r\n\r\n";
            CommandResult r = berthd.dockerWithInput(smuggled.getBytes(StandardCharsets.US_ASCII), "run", "--rm", "-i",
                    "busybox:door", "cat");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEqualTo(smuggled);
            assertThat(berthd.dockerOk("inspect", "-f", "{{.State.Running}}", other).out()).isEqualTo("true");
        } finally {
            berthd.docker("rm", "-f", other);
        }
    }

    @Test
    void startupRefusals() throws IOException {
        assertThat(startFails("-H", "tcp://127.0.0.1:" + freePort())).contains("without --tlsverify");
        assertThat(startFails("-H", "tcp://127.0.0.1:" + freePort(), "--tls", "--tlscert", cert("server-cert.pem"),
                "--tlskey", cert("server-key.pem"))).contains("--insecure-tcp");
        assertThat(startFails("-H", "tcp://127.0.0.1:" + freePort(), "--tlsverify", "--tlscacert", cert("missing.pem"),
                "--tlscert", cert("server-cert.pem"), "--tlskey", cert("server-key.pem"))).contains("missing.pem");
        assertThat(startFails("-G", "berth-no-such-group")).contains("berth-no-such-group");
    }

    private static String startFails(String... args) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "bit-door-");
        try {
            List<String> cmd = new ArrayList<>(List.of(berthd.repo().resolve("bin/berthd").toString(),
                    "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("run").toString(),
                    "-H", "unix://" + dir.resolve("run/berth.sock"), "--bridge", "none", "--iptables=false"));
            cmd.addAll(List.of(args));
            CommandResult r = BerthdFixture.run(cmd, null, Map.of());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            return r.stderr();
        } finally {
            BerthdFixture.run(List.of("rm", "-rf", dir.toString()), null, Map.of());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
