package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.Digest;
import dev.berth.oci.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static dev.berth.registry.RegistryClient.MAPPER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real client: skopeo copies an OCI layout into the registry and back, byte for byte. */
class SkopeoCopyTest {
    @TempDir
    Path tmp;
    RegistryClient reg;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(skopeoAvailable(), "skopeo is not installed (scripts/install-deps.sh installs it)");
        reg = new RegistryClient(tmp.resolve("root"));
    }

    @AfterEach
    void stop() {
        if (reg != null) {
            reg.close();
        }
    }

    static boolean skopeoAvailable() {
        try {
            Process p = new ProcessBuilder("skopeo", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String skopeo(String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(java.util.List.of("skopeo", "--insecure-policy"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("skopeo finished").isTrue();
        assertThat(p.exitValue()).as("skopeo %s:\n%s", String.join(" ", args), out).isZero();
        return out;
    }

    private static Digest writeBlob(Path layout, byte[] content) throws IOException {
        Digest d = Digest.sha256(content);
        Path p = layout.resolve("blobs/sha256/" + d.hex());
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        return d;
    }

    private static byte[] layerTarGz() throws IOException {
        byte[] file = new byte[1 << 20];
        new Random(42).nextBytes(file);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            TarArchiveEntry e = new TarArchiveEntry("data.bin");
            e.setSize(file.length);
            out.putArchiveEntry(e);
            out.write(file);
            out.closeArchiveEntry();
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar.toByteArray());
        }
        return gz.toByteArray();
    }

    /** Writes a one-layer OCI image layout tagged {@code v1} and returns its manifest digest. */
    static Digest writeLayout(Path layout) throws IOException {
        byte[] layer = layerTarGz();
        Digest l = writeBlob(layout, layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8);
        Digest c = writeBlob(layout, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{"
                + "\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + c + "\",\"size\":" + config.length
                + "},\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + l
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        Digest m = writeBlob(layout, manifest);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + m + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}");
        return m;
    }

    static Map<String, byte[]> blobs(Path layout) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (var s = Files.list(layout.resolve("blobs/sha256"))) {
            for (Path p : s.toList()) {
                out.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void copyIntoTheRegistryAndBackIsByteIdentical() throws Exception {
        Path src = tmp.resolve("src");
        Path dst = tmp.resolve("dst");
        Digest manifest = writeLayout(src);
        String ref = "docker://127.0.0.1:" + reg.port() + "/test/img:v1";

        skopeo("copy", "--dest-tls-verify=false", "oci:" + src + ":v1", ref);
        assertThat(reg.get("/v2/test/img/manifests/" + manifest).statusCode()).isEqualTo(200);
        assertThat(skopeo("list-tags", "--tls-verify=false", "docker://127.0.0.1:" + reg.port() + "/test/img"))
                .contains("v1");

        skopeo("copy", "--src-tls-verify=false", ref, "oci:" + dst + ":v1");
        JsonNode index = MAPPER.readTree(dst.resolve("index.json").toFile());
        assertThat(index.path("manifests").path(0).path("digest").asText()).isEqualTo(manifest.toString());
        Map<String, byte[]> before = blobs(src);
        Map<String, byte[]> after = blobs(dst);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
    }
}
