package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiAccessTest {
    private static final ObjectMapper M = new ObjectMapper();

    @Test
    void tcpNeedsTlsVerifyOrTheInsecureFlag() throws Exception {
        List<String> conflicts = new ArrayList<>();
        ApiAccess none = ApiAccess.resolve(M.createObjectNode(), null, null, null, null, null, null, null, conflicts);
        assertThat(none).isEqualTo(new ApiAccess(false, false, none.caCert(), none.cert(), none.key(), false, "berth", false));
        none.check(List.of("unix:///run/x.sock"));
        assertThatThrownBy(() -> none.check(List.of("unix:///run/x.sock", "tcp://127.0.0.1:2375")))
                .hasMessageContaining("without --tlsverify").hasMessageContaining("--insecure-tcp");
        ApiAccess tlsOnly = ApiAccess.resolve(M.createObjectNode(), true, null, null, null, null, null, null, conflicts);
        assertThatThrownBy(() -> tlsOnly.check(List.of("tcp://0.0.0.0:2376"))).hasMessageContaining("--insecure-tcp");
        ApiAccess verify = ApiAccess.resolve(M.readTree("{\"tlsverify\":true,\"tlscacert\":\"/c/ca.pem\"}"), null, null,
                null, Path.of("/c/cert.pem"), null, null, "docker", conflicts);
        assertThat(verify.tls()).isTrue(); // implied, as in dockerd
        assertThat(verify.caCert()).isEqualTo(Path.of("/c/ca.pem"));
        assertThat(verify.cert()).isEqualTo(Path.of("/c/cert.pem"));
        assertThat(verify.socketGroup()).isEqualTo("docker");
        assertThat(verify.groupExplicit()).isTrue();
        verify.check(List.of("tcp://0.0.0.0:2376"));
        ApiAccess insecure = ApiAccess.resolve(M.readTree("{\"insecure-tcp\":true}"), null, null, null, null, null, null,
                null, conflicts);
        insecure.check(List.of("tcp://0.0.0.0:2375"));
        assertThat(conflicts).isEmpty();
    }

    @Test
    void flagAndFileTogetherConflict() throws Exception {
        List<String> conflicts = new ArrayList<>();
        ApiAccess.resolve(M.readTree("{\"tlsverify\":true,\"group\":\"x\"}"), null, true, null, null, null, null, "y", conflicts);
        assertThat(conflicts).containsExactly("tlsverify", "group");
    }

    @Test
    void missingCertificatesAreNamed() {
        ApiAccess a = new ApiAccess(true, true, Path.of("/nonexistent/ca.pem"), Path.of("/nonexistent/cert.pem"),
                Path.of("/nonexistent/key.pem"), false, null, false);
        assertThatThrownBy(a::sslContext).hasMessageContaining("/nonexistent/ca.pem");
    }
}
