package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static dev.berth.registry.RegistryClient.MAPPER;
import static dev.berth.registry.RegistryClient.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

/** /healthz, /metrics in the Prometheus text format, the JSON access log, and request body caps. */
class OperationsTest {
    @TempDir
    Path tmp;
    RegistryClient reg;

    @AfterEach
    void stop() {
        if (reg != null) {
            reg.close();
        }
    }

    private RegistryConfig config() {
        return RegistryConfig.local(tmp.resolve("root"), "127.0.0.1", 0, Duration.ofHours(1))
                .withAccessLog(new RegistryConfig.AccessLogSettings(false, Optional.of(tmp.resolve("access.log"))))
                .withLimits(new RegistryConfig.Limits(1000, 100_000, 2048, 1));
    }

    @Test
    void healthAndMetricsAndAccessLog() throws Exception {
        reg = new RegistryClient(config());
        HttpResponse<byte[]> health = reg.get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(new String(health.body(), StandardCharsets.UTF_8)).isEqualTo("ok\n");

        byte[] content = "some blob".getBytes(StandardCharsets.UTF_8);
        Digest d = reg.pushBlob("app", content);
        reg.get("/v2/app/blobs/" + d);
        reg.get("/v2/app/blobs/" + d);
        reg.get("/v2/app/manifests/missing");

        String metrics = new String(reg.get("/metrics").body(), StandardCharsets.UTF_8);
        assertThat(metrics)
                .contains("# TYPE berth_registry_requests_total counter")
                .contains("berth_registry_requests_total{route=\"blob\",method=\"GET\",status=\"200\"} 2")
                .contains("berth_registry_requests_total{route=\"upload\",method=\"POST\",status=\"201\"} 1")
                .contains("berth_registry_requests_total{route=\"manifest\",method=\"GET\",status=\"404\"} 1")
                .contains("berth_registry_sent_bytes_total{route=\"blob\"} " + 2 * content.length)
                .contains("berth_registry_received_bytes_total{route=\"upload\"} " + content.length)
                .contains("berth_registry_request_duration_seconds_count{route=\"blob\"} 2")
                .contains("berth_registry_request_duration_seconds_bucket{route=\"blob\",le=\"+Inf\"} 2");
        // Every line is a comment or "name{labels} value".
        for (String line : metrics.split("\n")) {
            assertThat(line).matches("# (HELP|TYPE) .*|[a-z_]+(\\{[^}]*\\})? [0-9.E-]+");
        }

        List<String> lines = Files.readAllLines(tmp.resolve("access.log"));
        assertThat(lines).hasSizeGreaterThanOrEqualTo(5);
        JsonNode get = MAPPER.readTree(lines.get(2));
        assertThat(get.path("method").asText()).isEqualTo("GET");
        assertThat(get.path("uri").asText()).isEqualTo("/v2/app/blobs/" + d);
        assertThat(get.path("status").asInt()).isEqualTo(200);
        assertThat(get.path("bytes_out").asLong()).isEqualTo(content.length);
        assertThat(get.path("remote").asText()).contains("127.0.0.1");
        assertThat(get.has("duration_ms")).isTrue();
    }

    @Test
    void bodiesOverTheirCapsAreRefused() throws Exception {
        reg = new RegistryClient(config());
        HttpResponse<byte[]> big = reg.send("POST", "/v2/", new byte[4096]);
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(errorCode(big)).isEqualTo("SIZE_INVALID");

        byte[] manifest = new byte[1001];
        java.util.Arrays.fill(manifest, (byte) ' ');
        HttpResponse<byte[]> m = reg.send("PUT", "/v2/app/manifests/v1", manifest, "Content-Type",
                "application/vnd.oci.image.manifest.v1+json");
        assertThat(m.statusCode()).isEqualTo(413);

        byte[] blob = new byte[100_001];
        HttpResponse<byte[]> b = reg.send("POST", "/v2/app/blobs/uploads/?digest=" + Digest.sha256(blob), blob);
        assertThat(b.statusCode()).isEqualTo(413);
        assertThat(errorCode(b)).isEqualTo("SIZE_INVALID");
        assertThat(reg.get("/v2/app/blobs/" + Digest.sha256(blob)).statusCode()).isEqualTo(404);
        // Exactly at the cap is fine.
        assertThat(reg.pushBlob("app", new byte[100_000])).isNotNull();
        // The refused monolithic push left no session behind.
        try (var s = Files.list(tmp.resolve("root/uploads"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void uploadsBeyondTheConcurrencyCapAreToldToComeBackLater() throws Exception {
        reg = new RegistryClient(config());
        // One PATCH holds the only upload slot while its body is still arriving. A poll can take the slot
        // first, and then the PATCH is the one told to come back later: open another one then.
        for (int attempt = 1; ; attempt++) {
            HttpResponse<byte[]> started = reg.send("POST", "/v2/app/blobs/uploads/", null);
            String location = started.headers().firstValue("Location").orElseThrow();
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", reg.port())) {
                var out = s.getOutputStream();
                out.write(("PATCH " + location + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[10]);
                out.flush();
                HttpResponse<byte[]> busy = null;
                boolean patchRefused = false;
                for (int i = 0; i < 100; i++) {
                    busy = reg.send("POST", "/v2/app/blobs/uploads/?digest=" + Digest.sha256(new byte[5]), new byte[5]);
                    if (busy.statusCode() == 429) {
                        break;
                    }
                    if (s.getInputStream().available() > 0) {
                        patchRefused = true;
                        break;
                    }
                    Thread.sleep(50);
                }
                if (patchRefused && attempt < 5) {
                    String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                    assertThat(status).as("the PATCH that lost the slot to a poll").isEqualTo("HTTP/1.1 429");
                    continue;
                }
                assertThat(busy.statusCode()).isEqualTo(429);
                assertThat(errorCode(busy)).isEqualTo("TOOMANYREQUESTS");
                assertThat(busy.headers().firstValue("Retry-After")).contains("1");
                out.write(new byte[990]);
                out.flush();
                String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(status).isEqualTo("HTTP/1.1 202");
                break;
            }
        }
        assertThat(reg.pushBlob("app", new byte[5])).isNotNull();
    }
}
