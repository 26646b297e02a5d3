package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.Digest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** A registry started on a free loopback port for one test, with a JDK HttpClient speaking to it. */
final class RegistryClient implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private RegistryServer server;

    private final RegistryConfig config;

    RegistryClient(Path root) throws IOException, InterruptedException {
        this(root, RegistryServer.DEFAULT_UPLOAD_TTL);
    }

    RegistryClient(Path root, Duration uploadTtl) throws IOException, InterruptedException {
        this(RegistryConfig.local(root, "127.0.0.1", 0, uploadTtl));
    }

    RegistryClient(RegistryConfig config) throws IOException, InterruptedException {
        this.config = config;
        this.server = RegistryServer.start(config);
    }

    int port() {
        return server.port();
    }

    /** Stops the server and starts a new one on the same root (a new port). */
    void restart() throws IOException, InterruptedException {
        server.close();
        server = RegistryServer.start(config);
    }

    /** Sends a request; {@code headers} alternate name and value; a relative Location resolves against the server. */
    HttpResponse<byte[]> send(String method, String pathOrUrl, byte[] body, String... headers)
            throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + port()).resolve(pathOrUrl);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    /** The first error code of an error body. */
    static String errorCode(HttpResponse<byte[]> r) throws IOException {
        JsonNode n = MAPPER.readTree(r.body());
        return n.path("errors").path(0).path("code").asText();
    }

    /** Pushes a blob with a monolithic POST and returns its digest. */
    Digest pushBlob(String repo, byte[] content) throws IOException, InterruptedException {
        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, content,
                "Content-Type", "application/octet-stream");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("push of " + d + " answered " + r.statusCode() + new String(r.body()));
        }
        return d;
    }

    @Override
    public void close() {
        server.close();
        http.close();
    }
}
