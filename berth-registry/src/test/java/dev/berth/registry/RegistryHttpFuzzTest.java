package dev.berth.registry;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.berth.oci.Digest;
import dev.berth.oci.MediaTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes whole requests to a running registry (no auth, small limits): the request line with its
 * {@code /v2/<name>/...} path and query ({@code n}, {@code last}, {@code mount}, {@code from}, {@code digest}),
 * headers such as {@code Range}, {@code Content-Range} and {@code Accept}, and the body. The properties are
 * {@link FuzzedRegistry}'s (no 500, no dropped connection, a spec error body, nothing written for a refused
 * request, nothing touched outside the root) plus a {@code /metrics} page that stays valid Prometheus text with
 * bounded labels.
 *
 * <p>An input is the request head, a NUL byte, then the body. The head's first line is {@code METHOD URI} (a
 * line without a space is a GET of that URI); each further line is a header (framing headers are set by the
 * target). In the head and the body, {@code {upload}} becomes an upload session opened for {@code fuzz/repo}
 * just before, {@code {resumed}} one that already holds 5 bytes, {@code {blob}}/{@code {blob512}}/{@code {config}}/
 * {@code {manifest}} the digests stored in
 * {@code fuzz/repo} and {@code {other}} a blob only {@code other/repo} holds.
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/registry/RegistryHttpFuzzTestInputs/}.
 */
class RegistryHttpFuzzTest {
    private static final Pattern METRIC = Pattern.compile(
            "[a-z_]+(\\{([a-z]+=\"([^\"\\\\\\n]|\\\\[\"\\\\n])*\",?)*})? [0-9.eE+-]+");
    private static final Pattern METHOD_LABEL = Pattern.compile("method=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final int MAX_BODY = 8 << 10;

    static FuzzedRegistry registry;
    static Map<String, String> digests;

    @BeforeAll
    static void start() throws Exception {
        registry = new FuzzedRegistry(root -> RegistryConfig.local(root, "127.0.0.1", 0, Duration.ofHours(1))
                .withLimits(new RegistryConfig.Limits(2048, 4096, 1024, 2)));
        RegistryClient c = registry.client;
        byte[] configJson = ("{\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8);
        Digest config = c.pushBlob("fuzz/repo", configJson);
        Digest layer = c.pushBlob("fuzz/repo", "layer bytes".getBytes(StandardCharsets.UTF_8));
        byte[] big = "a sha512 blob".getBytes(StandardCharsets.UTF_8);
        Digest blob512 = Hashing.of("sha512", big);
        expect(c.send("POST", "/v2/fuzz/repo/blobs/uploads/?digest=" + blob512, big), 201);
        Digest other = c.pushBlob("other/repo", "only in other/repo".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + config
                + "\",\"size\":" + configJson.length
                + "},\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER + "\",\"digest\":\"" + layer
                + "\",\"size\":11}]}").getBytes(StandardCharsets.UTF_8);
        expect(c.send("PUT", "/v2/fuzz/repo/manifests/latest", manifest, "Content-Type", MediaTypes.OCI_MANIFEST), 201);
        digests = Map.of("{blob}", layer.toString(), "{blob512}", blob512.toString(), "{config}", config.toString(),
                "{manifest}", Digest.sha256(manifest).toString(), "{other}", other.toString());
        registry.settled();
    }

    private static void expect(HttpResponse<byte[]> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException("setup answered " + r.statusCode() + ": " + new String(r.body()));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    @FuzzTest(maxDuration = "15s")
    void request(byte[] input) throws Exception {
        FuzzedRegistry.allowLoopback();
        int nul = 0;
        while (nul < input.length && input[nul] != 0) {
            nul++;
        }
        String head = new String(input, 0, nul, StandardCharsets.ISO_8859_1);
        byte[] bodyIn = Arrays.copyOfRange(input, Math.min(nul + 1, input.length), input.length);
        String body = new String(bodyIn, 0, Math.min(bodyIn.length, MAX_BODY), StandardCharsets.ISO_8859_1);
        try {
            String upload = head.contains("{upload}") || body.contains("{upload}") ? openUpload(false) : "";
            String resumed = head.contains("{resumed}") || body.contains("{resumed}") ? openUpload(true) : "";
            head = substitute(head, upload, resumed);
            body = substitute(body, upload, resumed);
            List<String> lines = new ArrayList<>(List.of(head.split("\n", -1)));
            lines.replaceAll(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
            String first = lines.removeFirst();
            int space = first.indexOf(' ');
            String method = space < 0 ? "GET" : first.substring(0, space);
            String uri = space < 0 ? first : first.substring(space + 1);
            lines.removeIf(String::isEmpty);
            byte[] request = RawHttp.request(method, uri, lines, body.getBytes(StandardCharsets.ISO_8859_1));

            Map<String, byte[]> before = FuzzedRegistry.contents(registry.root);
            Map<String, String> outside = registry.outside();
            // a server may take bare CR, HTAB, VT and FF between the request line's words for SP (RFC 9112, section 3),
            // as Netty does: "HEAD\r\r /v2/..." and "HEAD\r\rX\r /v2/..." are both a HEAD (of /v2/... and of X), whose
            // answer has no body; the first word of what this test sends is the method the server reads
            String[] words = (method + " " + uri).replaceFirst("^[ \\t\\x0B\\f\\r]+", "").split("[ \\t\\x0B\\f\\r]+", 2);
            boolean isHead = words[0].equals("HEAD");
            RawHttp.Answer a = registry.send(request, isHead);
            Map<String, byte[]> after = FuzzedRegistry.contents(registry.root);
            if (a.status() >= 400) {
                FuzzedRegistry.unchangedBy(before, after, method + " " + uri + " (" + a.statusLine() + ")");
            }
            assertThat(after.keySet()).as("temp files left behind").noneMatch(p -> p.contains(".tmp-"));
            assertThat(registry.outside()).as("the directory beside the root").isEqualTo(outside);
            checkMetrics();
        } finally {
            registry.restore();
        }
    }

    /** A new upload session's id; {@code resumed}: one holding {@code hello} already, so chunks continue at 5. */
    private static String openUpload(boolean resumed) throws Exception {
        HttpResponse<byte[]> r = registry.client.send("POST", "/v2/fuzz/repo/blobs/uploads/", null);
        expect(r, 202);
        String location = r.headers().firstValue("Location").orElseThrow();
        if (resumed) {
            expect(registry.client.send("PATCH", location, "hello".getBytes(StandardCharsets.UTF_8),
                    "Content-Range", "0-4"), 202);
        }
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private static String substitute(String text, String upload, String resumed) {
        String out = text.replace("{upload}", upload).replace("{resumed}", resumed);
        for (var e : digests.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Request methods are the client's to choose; the page must stay parseable and its label set small. */
    private static void checkMetrics() throws Exception {
        String page = new String(registry.client.get("/metrics").body(), StandardCharsets.UTF_8);
        Set<String> methods = new TreeSet<>();
        for (String line : page.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            assertThat(line).as("a metrics line").matches(METRIC);
            Matcher m = METHOD_LABEL.matcher(line);
            if (m.find()) {
                methods.add(m.group(1));
            }
        }
        assertThat(methods).as("method labels").hasSizeLessThanOrEqualTo(10);
    }
}
