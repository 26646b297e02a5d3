package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.Digest;
import dev.berth.oci.MediaTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.berth.registry.RegistryClient.MAPPER;
import static org.assertj.core.api.Assertions.assertThat;

/** The referrers API: OCI-Subject on push, the listing as an OCI index, artifactType filtering, deletes. */
class ReferrersTest {
    static final String EMPTY = "application/vnd.oci.empty.v1+json";
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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String descriptor(String mediaType, Digest d, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + size + "}";
    }

    /** An artifact manifest (empty config, one layer) with optional artifactType and subject, pushed by digest. */
    private Digest pushArtifact(String artifactType, String configType, Digest subject, long subjectSize,
                                String annotation) throws Exception {
        Digest empty = reg.pushBlob("app", utf8("{}"));
        byte[] payload = utf8("payload " + annotation);
        Digest layer = reg.pushBlob("app", payload);
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\""
                + (artifactType == null ? "" : ",\"artifactType\":\"" + artifactType + "\"")
                + ",\"config\":" + descriptor(configType, empty, 2)
                + ",\"layers\":[" + descriptor("application/octet-stream", layer, payload.length) + "]"
                + (subject == null ? "" : ",\"subject\":" + descriptor(MediaTypes.OCI_MANIFEST, subject, subjectSize))
                + ",\"annotations\":{\"org.example.note\":\"" + annotation + "\"}}";
        byte[] m = utf8(json);
        Digest d = Digest.sha256(m);
        HttpResponse<byte[]> r = reg.send("PUT", "/v2/app/manifests/" + d, m, "Content-Type",
                MediaTypes.OCI_MANIFEST);
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        if (subject != null) {
            assertThat(r.headers().firstValue("OCI-Subject")).contains(subject.toString());
        } else {
            assertThat(r.headers().firstValue("OCI-Subject")).isEmpty();
        }
        return d;
    }

    private JsonNode referrers(Digest subject, String query, String expectFilter) throws Exception {
        HttpResponse<byte[]> r = reg.get("/v2/app/referrers/" + subject + query);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains(MediaTypes.OCI_INDEX);
        assertThat(r.headers().firstValue("OCI-Filters-Applied").orElse(null)).isEqualTo(expectFilter);
        JsonNode index = MAPPER.readTree(r.body());
        assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
        return index.path("manifests");
    }

    private static List<String> digests(JsonNode manifests) {
        List<String> out = new ArrayList<>();
        manifests.forEach(m -> out.add(m.path("digest").asText()));
        return out;
    }

    @Test
    void referrersAreListedAndFilteredByArtifactType() throws Exception {
        // The subject does not exist yet: a registry must accept referrers pushed first.
        Digest subject = pushArtifact("application/vnd.example.image", EMPTY, null, 0, "subject");
        long subjectSize = reg.get("/v2/app/manifests/" + subject).body().length;
        Digest sbom = pushArtifact("application/vnd.example.sbom.v1", EMPTY, subject, subjectSize, "sbom");
        Digest sig = pushArtifact(null, "application/vnd.example.signature.v1", subject, subjectSize, "sig");

        JsonNode all = referrers(subject, "", null);
        assertThat(digests(all)).containsExactlyInAnyOrder(sbom.toString(), sig.toString());
        for (JsonNode d : all) {
            assertThat(d.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_MANIFEST);
            assertThat(d.path("size").asLong()).isPositive();
            if (d.path("digest").asText().equals(sig.toString())) {
                // No artifactType in the manifest: the config's media type stands in.
                assertThat(d.path("artifactType").asText()).isEqualTo("application/vnd.example.signature.v1");
                assertThat(d.path("annotations").path("org.example.note").asText()).isEqualTo("sig");
            }
        }
        JsonNode onlySbom = referrers(subject, "?artifactType=application/vnd.example.sbom.v1", "artifactType");
        assertThat(digests(onlySbom)).containsExactly(sbom.toString());
        assertThat(referrers(subject, "?artifactType=application/none", "artifactType")).isEmpty();

        // No referrers, or a repository nobody pushed to: an empty list, never a 404.
        assertThat(referrers(sbom, "", null)).isEmpty();
        assertThat(reg.get("/v2/nobody/referrers/" + subject).statusCode()).isEqualTo(200);
        assertThat(reg.get("/v2/app/referrers/sha256:nothex").statusCode()).isEqualTo(400);

        assertThat(reg.send("DELETE", "/v2/app/manifests/" + sbom, null).statusCode()).isEqualTo(202);
        assertThat(digests(referrers(subject, "", null))).containsExactly(sig.toString());
    }

    /**
     * A referrer deleted while a garbage collection has set its blob aside still leaves the listing: the
     * delete only looked for the blob, found none, and kept the entry of a manifest that no longer exists.
     */
    @Test
    void aReferrerDeletedWhileItsBlobIsSetAsideLeavesTheListing() throws Exception {
        Digest subject = pushArtifact("application/vnd.example.image", EMPTY, null, 0, "subject");
        long subjectSize = reg.get("/v2/app/manifests/" + subject).body().length;
        Digest sig = pushArtifact(null, "application/vnd.example.signature.v1", subject, subjectSize, "sig");
        assertThat(digests(referrers(subject, "", null))).containsExactly(sig.toString());
        Path blob = root.resolve("blobs").resolve(sig.algorithm()).resolve(sig.hex());
        java.nio.file.Files.move(blob, blob.resolveSibling(GarbageCollector.TOMBSTONE + sig.hex())); // as a collection's first walk does

        assertThat(reg.send("DELETE", "/v2/app/manifests/" + sig, null).statusCode()).isEqualTo(202);
        assertThat(referrers(subject, "", null)).isEmpty();
        assertThat(reg.get("/v2/app/manifests/" + sig).statusCode()).isEqualTo(404);
    }
}
