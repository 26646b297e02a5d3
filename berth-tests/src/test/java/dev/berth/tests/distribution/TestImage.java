package dev.berth.tests.distribution;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * A test image built in memory (gzip layers, config, manifest) and pushed to a registry over the
 * distribution API, so tests know every digest. Layer 0 is usually a busybox root filesystem.
 */
final class TestImage {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A blob with its digest. */
    record Blob(String mediaType, byte[] bytes, String digest) {
        static Blob of(String mediaType, byte[] bytes) {
            return new Blob(mediaType, bytes, sha256(bytes));
        }
    }

    final List<Blob> layers = new ArrayList<>();
    final List<String> diffIds = new ArrayList<>();
    final String architecture;
    Blob config;
    Blob manifest;

    private TestImage(String architecture) {
        this.architecture = architecture;
    }

    /** An image of {@code tars} (uncompressed layer tars, bottom first), gzip-compressed in docker's media types. */
    static TestImage of(String architecture, List<byte[]> tars) throws IOException {
        TestImage img = new TestImage(architecture);
        for (byte[] t : tars) {
            img.diffIds.add(sha256(t));
            img.layers.add(Blob.of("application/vnd.docker.image.rootfs.diff.tar.gzip", gzip(t)));
        }
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("architecture", architecture);
        cfg.put("os", "linux");
        cfg.put("created", "2024-01-01T00:00:00Z");
        ObjectNode c = cfg.putObject("config");
        c.putArray("Cmd").add("sh");
        c.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        ObjectNode rootfs = cfg.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        img.diffIds.forEach(ids::add);
        ArrayNode hist = cfg.putArray("history");
        for (int i = 0; i < tars.size(); i++) {
            hist.addObject().put("created", "2024-01-01T00:00:00Z").put("created_by", "layer " + i);
        }
        img.config = Blob.of("application/vnd.docker.container.image.v1+json", JSON.writeValueAsBytes(cfg));
        img.manifest = Blob.of("application/vnd.docker.distribution.manifest.v2+json", img.manifestBytes());
        return img;
    }

    private byte[] manifestBytes() throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", "application/vnd.docker.distribution.manifest.v2+json");
        m.set("config", descriptor(config));
        ArrayNode ls = m.putArray("layers");
        layers.forEach(l -> ls.add(descriptor(l)));
        return JSON.writeValueAsBytes(m);
    }

    static ObjectNode descriptor(Blob b) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", b.mediaType());
        d.put("size", b.bytes().length);
        d.put("digest", b.digest());
        return d;
    }

    /** An OCI index over {@code images}, one entry per architecture. */
    static Blob index(List<TestImage> images) throws IOException {
        ObjectNode idx = JSON.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", "application/vnd.docker.distribution.manifest.list.v2+json");
        ArrayNode ms = idx.putArray("manifests");
        for (TestImage i : images) {
            ObjectNode d = descriptor(i.manifest);
            d.putObject("platform").put("architecture", i.architecture).put("os", "linux");
            ms.add(d);
        }
        return Blob.of("application/vnd.docker.distribution.manifest.list.v2+json", JSON.writeValueAsBytes(idx));
    }

    /** A tar holding {@code name} with {@code content}. */
    static byte[] fileTar(String name, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(b.length);
            e.setMode(0644);
            out.putArchiveEntry(e);
            out.write(b);
            out.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    /** A tar of {@code size} pseudo-random (incompressible) bytes in one file. */
    static byte[] randomTar(String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new java.util.Random(seed).nextBytes(data);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(size);
            e.setMode(0644);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(b);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Pushes blobs and the manifest under {@code tag} to {@code http://host/v2/repo}. */
    void push(String host, String repo, String tag) throws IOException, InterruptedException {
        for (Blob b : layers) {
            putBlob(host, repo, b);
        }
        putBlob(host, repo, config);
        putManifest(host, repo, tag, manifest);
    }

    static void putBlob(String host, String repo, Blob b) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> start = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) {
            throw new IOException("upload start: " + start.statusCode() + " " + start.body());
        }
        URI loc = URI.create("http://" + host).resolve(start.headers().firstValue("Location").orElseThrow());
        URI put = URI.create(loc + (loc.getQuery() == null ? "?" : "&") + "digest=" + b.digest());
        HttpResponse<String> done = http.send(HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers.ofByteArray(b.bytes()))
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) {
            throw new IOException("upload: " + done.statusCode() + " " + done.body());
        }
    }

    static void putManifest(String host, String repo, String ref, Blob m) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/manifests/" + ref))
                .header("Content-Type", m.mediaType()).PUT(HttpRequest.BodyPublishers.ofByteArray(m.bytes())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IOException("manifest: " + r.statusCode() + " " + r.body());
        }
    }
}
