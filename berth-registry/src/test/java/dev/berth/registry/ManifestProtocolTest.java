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
import static dev.berth.registry.RegistryClient.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

class ManifestProtocolTest {
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

    /** Pushes a config and a layer and returns an image manifest of the given type referencing them. */
    private byte[] image(String repo, String manifestType, String layerType, String seed) throws Exception {
        byte[] config = utf8("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"" + seed + "\"}");
        byte[] layer = utf8("layer " + seed);
        Digest c = reg.pushBlob(repo, config);
        Digest l = reg.pushBlob(repo, layer);
        String configType = manifestType.equals(MediaTypes.OCI_MANIFEST) ? MediaTypes.OCI_CONFIG
                : MediaTypes.DOCKER_CONFIG;
        return utf8("{\"schemaVersion\":2,\"mediaType\":\"" + manifestType + "\",\"config\":"
                + descriptor(configType, c, config.length) + ",\"layers\":["
                + descriptor(layerType, l, layer.length) + "]}");
    }

    private HttpResponse<byte[]> put(String repo, String ref, String type, byte[] body) throws Exception {
        return reg.send("PUT", "/v2/" + repo + "/manifests/" + ref, body, "Content-Type", type);
    }

    @Test
    void pushAndPullByTagAndDigest() throws Exception {
        byte[] m = image("lib/app", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "a");
        Digest d = Digest.sha256(m);
        HttpResponse<byte[]> pushed = put("lib/app", "v1", MediaTypes.OCI_MANIFEST, m);
        assertThat(pushed.statusCode()).isEqualTo(201);
        assertThat(pushed.headers().firstValue("Docker-Content-Digest")).contains(d.toString());
        assertThat(pushed.headers().firstValue("Location")).contains("/v2/lib/app/manifests/" + d);

        HttpResponse<byte[]> byTag = reg.send("GET", "/v2/lib/app/manifests/v1", null, "Accept",
                MediaTypes.OCI_MANIFEST);
        assertThat(byTag.statusCode()).isEqualTo(200);
        assertThat(byTag.body()).isEqualTo(m);
        assertThat(byTag.headers().firstValue("Content-Type")).contains(MediaTypes.OCI_MANIFEST);
        assertThat(byTag.headers().firstValue("Docker-Content-Digest")).contains(d.toString());

        HttpResponse<byte[]> several = reg.send("GET", "/v2/lib/app/manifests/v1", null, "Accept",
                MediaTypes.DOCKER_MANIFEST + ", " + MediaTypes.OCI_MANIFEST + ";q=0.9");
        assertThat(several.statusCode()).isEqualTo(200);
        HttpResponse<byte[]> wildcard = reg.send("GET", "/v2/lib/app/manifests/v1", null, "Accept", "*/*");
        assertThat(wildcard.statusCode()).isEqualTo(200);
        HttpResponse<byte[]> refused = reg.send("GET", "/v2/lib/app/manifests/v1", null, "Accept",
                MediaTypes.DOCKER_MANIFEST);
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(errorCode(refused)).isEqualTo("MANIFEST_UNKNOWN");

        HttpResponse<byte[]> head = reg.send("HEAD", "/v2/lib/app/manifests/" + d, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(m.length);

        assertThat(errorCode(reg.get("/v2/lib/app/manifests/v2"))).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(errorCode(reg.get("/v2/other/manifests/" + d))).isEqualTo("MANIFEST_UNKNOWN");
    }

    @Test
    void dockerSchema2ManifestAndListsAreAccepted() throws Exception {
        byte[] m = image("app", MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_LAYER_GZIP, "b");
        Digest d = Digest.sha256(m);
        assertThat(put("app", d.toString(), MediaTypes.DOCKER_MANIFEST, m).statusCode()).isEqualTo(201);
        byte[] list = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST
                + "\",\"manifests\":[" + descriptor(MediaTypes.DOCKER_MANIFEST, d, m.length).replace("}",
                ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}") + "]}");
        assertThat(put("app", "multi", MediaTypes.DOCKER_MANIFEST_LIST, list).statusCode()).isEqualTo(201);
        HttpResponse<byte[]> got = reg.get("/v2/app/manifests/multi");
        assertThat(got.headers().firstValue("Content-Type")).contains(MediaTypes.DOCKER_MANIFEST_LIST);

        // An index may only reference manifests the repository holds.
        byte[] dangling = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
                + "\",\"manifests\":[" + descriptor(MediaTypes.OCI_MANIFEST,
                Digest.sha256(utf8("absent")), 6) + "]}");
        assertThat(errorCode(put("app", "bad", MediaTypes.OCI_INDEX, dangling))).isEqualTo("MANIFEST_BLOB_UNKNOWN");
    }

    @Test
    void manifestWithMissingBlobsIsRefused() throws Exception {
        byte[] m = image("app", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "c");
        // The same manifest pushed to a repository that holds none of its blobs.
        HttpResponse<byte[]> r = put("empty", "v1", MediaTypes.OCI_MANIFEST, m);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(errorCode(r)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
        assertThat(reg.get("/v2/empty/manifests/v1").statusCode()).isEqualTo(404);
    }

    @Test
    void invalidManifestsAreRefused() throws Exception {
        byte[] schema1 = utf8("{\"schemaVersion\":1,\"name\":\"app\",\"tag\":\"v1\",\"fsLayers\":[]}");
        HttpResponse<byte[]> s1 = put("app", "v1", "application/vnd.docker.distribution.manifest.v1+prettyjws",
                schema1);
        assertThat(s1.statusCode()).isEqualTo(400);
        assertThat(errorCode(s1)).isEqualTo("MANIFEST_INVALID");

        assertThat(errorCode(put("app", "v1", MediaTypes.OCI_MANIFEST, utf8("{not json"))))
                .isEqualTo("MANIFEST_INVALID");

        byte[] m = image("app", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "d");
        assertThat(errorCode(put("app", "v1", MediaTypes.DOCKER_MANIFEST, m))).isEqualTo("MANIFEST_INVALID");

        HttpResponse<byte[]> wrongDigest = put("app", Digest.sha256(utf8("x")).toString(), MediaTypes.OCI_MANIFEST, m);
        assertThat(errorCode(wrongDigest)).isEqualTo("DIGEST_INVALID");
    }

    @Test
    void oversizedManifestIsRefused() throws Exception {
        byte[] big = new byte[RegistryRoutes.MAX_MANIFEST + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        HttpResponse<byte[]> r = put("app", "big", MediaTypes.OCI_MANIFEST, big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(errorCode(r)).isEqualTo("SIZE_INVALID");
    }

    @Test
    void deleteByTagAndByDigest() throws Exception {
        byte[] m = image("app", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "e");
        Digest d = Digest.sha256(m);
        put("app", "v1", MediaTypes.OCI_MANIFEST, m);
        put("app", "v2", MediaTypes.OCI_MANIFEST, m);

        assertThat(reg.send("DELETE", "/v2/app/manifests/v1", null).statusCode()).isEqualTo(202);
        assertThat(errorCode(reg.get("/v2/app/manifests/v1"))).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(reg.get("/v2/app/manifests/" + d).statusCode()).isEqualTo(200);

        assertThat(reg.send("DELETE", "/v2/app/manifests/" + d, null).statusCode()).isEqualTo(202);
        assertThat(errorCode(reg.get("/v2/app/manifests/" + d))).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(errorCode(reg.get("/v2/app/manifests/v2"))).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(errorCode(reg.send("DELETE", "/v2/app/manifests/v1", null))).isEqualTo("MANIFEST_UNKNOWN");
    }

    private List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void tagListPaginates() throws Exception {
        byte[] m = image("app", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, "f");
        for (String tag : List.of("t3", "t1", "t5", "t2", "t4")) {
            assertThat(put("app", tag, MediaTypes.OCI_MANIFEST, m).statusCode()).isEqualTo(201);
        }
        JsonNode all = MAPPER.readTree(reg.get("/v2/app/tags/list").body());
        assertThat(all.path("name").asText()).isEqualTo("app");
        assertThat(texts(all.path("tags"))).containsExactly("t1", "t2", "t3", "t4", "t5");

        HttpResponse<byte[]> first = reg.get("/v2/app/tags/list?n=2");
        assertThat(texts(MAPPER.readTree(first.body()).path("tags"))).containsExactly("t1", "t2");
        String link = first.headers().firstValue("Link").orElseThrow();
        assertThat(link).endsWith("; rel=\"next\"");
        String next = link.substring(1, link.indexOf('>'));
        HttpResponse<byte[]> second = reg.get(next);
        assertThat(texts(MAPPER.readTree(second.body()).path("tags"))).containsExactly("t3", "t4");

        HttpResponse<byte[]> last = reg.get("/v2/app/tags/list?n=2&last=t4");
        assertThat(texts(MAPPER.readTree(last.body()).path("tags"))).containsExactly("t5");
        assertThat(last.headers().firstValue("Link")).isEmpty();

        HttpResponse<byte[]> unknown = reg.get("/v2/nobody/tags/list");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(errorCode(unknown)).isEqualTo("NAME_UNKNOWN");
    }

    @Test
    void catalogPaginates() throws Exception {
        for (String repo : List.of("b/x", "a", "c", "a/nested")) {
            byte[] m = image(repo, MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_GZIP, repo);
            assertThat(put(repo, "latest", MediaTypes.OCI_MANIFEST, m).statusCode()).isEqualTo(201);
        }
        JsonNode all = MAPPER.readTree(reg.get("/v2/_catalog").body());
        assertThat(texts(all.path("repositories"))).containsExactly("a", "a/nested", "b/x", "c");

        HttpResponse<byte[]> first = reg.get("/v2/_catalog?n=3");
        assertThat(texts(MAPPER.readTree(first.body()).path("repositories"))).containsExactly("a", "a/nested", "b/x");
        String link = first.headers().firstValue("Link").orElseThrow();
        HttpResponse<byte[]> second = reg.get(link.substring(1, link.indexOf('>')));
        assertThat(texts(MAPPER.readTree(second.body()).path("repositories"))).containsExactly("c");
    }
}
