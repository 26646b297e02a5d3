package dev.berth.registry;

import dev.berth.oci.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests the fuzz targets found answered with a 500 (or worse), each pinned to the answer it gets now.
 * Sent with {@link RawHttp}, since the JDK client refuses most of them.
 */
class HostileRequestTest {
    @TempDir
    Path root;
    RegistryClient reg;

    @BeforeEach
    void start() throws Exception {
        reg = new RegistryClient(root);
    }

    @AfterEach
    void stop() {
        reg.close();
    }

    private RawHttp.Answer send(String method, String uri, List<String> headers, String body) throws Exception {
        return RawHttp.exchange(reg.port(), RawHttp.request(method, uri, headers,
                body.getBytes(StandardCharsets.UTF_8)), method.equals("HEAD")).orElseThrow();
    }

    private static String code(RawHttp.Answer a) throws Exception {
        return RegistryClient.MAPPER.readTree(a.body()).path("errors").path(0).path("code").asText();
    }

    private String openUpload(String repo) throws Exception {
        HttpResponse<byte[]> r = reg.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertThat(r.statusCode()).isEqualTo(202);
        return r.headers().firstValue("Location").orElseThrow();
    }

    @Test
    void malformedPercentEscapesAreBadRequests() throws Exception {
        // QueryStringDecoder threw IllegalArgumentException while routing: a 500
        for (String uri : List.of("/v2/fuzz/repo/tags/list?n=%zz", "/v2/fu%zzzz/tags/list",
                "/v2/a/blobs/uploads/?mount=%",
                "/token?scope=%g0")) {
            RawHttp.Answer a = send("GET", uri, List.of(), "");
            assertThat(a.status()).as(uri).isEqualTo(400);
            assertThat(code(a)).isEqualTo("UNSUPPORTED");
        }
    }

    @Test
    void rangeBeyondLongIsClampedOrUnsatisfiable() throws Exception {
        Digest d = reg.pushBlob("fuzz/repo", "0123456789".getBytes(StandardCharsets.UTF_8));
        String blob = "/v2/fuzz/repo/blobs/" + d;
        // Long.parseLong threw NumberFormatException on each of these: a 500
        RawHttp.Answer tail = send("GET", blob, List.of("Range: bytes=4-99999999999999999999"), "");
        assertThat(tail.status()).isEqualTo(206);
        assertThat(new String(tail.body(), StandardCharsets.UTF_8)).isEqualTo("456789");
        assertThat(tail.header("Content-Range")).contains("bytes 4-9/10");
        RawHttp.Answer suffix = send("GET", blob, List.of("Range: bytes=-99999999999999999999"), "");
        assertThat(suffix.status()).isEqualTo(206);
        assertThat(suffix.body()).hasSize(10);
        RawHttp.Answer start = send("GET", blob, List.of("Range: bytes=99999999999999999999-"), "");
        assertThat(start.status()).isEqualTo(416);
        assertThat(start.header("Content-Range")).contains("bytes */10");
    }

    @Test
    void contentRangeBeyondLongIsRefusedWithoutWriting() throws Exception {
        String upload = openUpload("fuzz/repo");
        for (String range : List.of("0-99999999999999999999", "99999999999999999999-99999999999999999999",
                "0-9223372036854775807")) {
            RawHttp.Answer a = send("PATCH", upload, List.of("Content-Range: " + range), "hello");
            assertThat(a.status()).as(range).isEqualTo(416);
            assertThat(code(a)).isEqualTo("BLOB_UPLOAD_INVALID");
            assertThat(a.header("Range")).contains("0-0");
        }
        RawHttp.Answer ok = send("PATCH", upload, List.of("Content-Range: 0-4"), "hello");
        assertThat(ok.status()).isEqualTo(202);
        assertThat(ok.header("Range")).contains("0-4");
    }

    @Test
    void madeUpMethodsAreCountedAsOther() throws Exception {
        // Each method was a label of its own: series without bound, chosen by any client (RegistryHttpFuzzTest)
        for (int i = 0; i < 20; i++) {
            assertThat(send("BREW" + i, "/v2/", List.of(), "").status()).isLessThan(500);
        }
        String page = new String(reg.get("/metrics").body(), StandardCharsets.UTF_8);
        assertThat(page).doesNotContain("BREW").contains("method=\"other\"");
    }
}
