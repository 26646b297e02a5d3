package dev.berth.registry;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.MediaTypes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what a push hands the registry before anything is stored: the manifest body with its
 * Content-Type, and the repository name and reference from the URL. The only failure allowed is a
 * {@link RegistryException} (a 4xx with a registry error code).
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/registry/ManifestsFuzzTestInputs/}.
 */
class ManifestsFuzzTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] CONTENT_TYPES = {
        "", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST,
    };

    @FuzzTest(maxDuration = "20s")
    void push(FuzzedDataProvider data) {
        String name = data.consumeString(300);
        String reference = data.consumeString(200);
        String contentType = data.consumeBoolean() ? data.pickValue(CONTENT_TYPES) : data.consumeString(100);
        byte[] body = data.consumeRemainingAsBytes();
        try {
            assertThat(Names.repository(name)).isEqualTo(name);
        } catch (RegistryException expected) {
            assertThat(expected.code()).isEqualTo(ErrorCode.NAME_INVALID);
        }
        if (!Names.isTag(reference)) {
            try {
                Names.digest(reference);
            } catch (RegistryException expected) {
                assertThat(expected.code()).isEqualTo(ErrorCode.DIGEST_INVALID);
            }
        }
        try {
            Manifests.Parsed parsed = Manifests.parse(MAPPER, body, contentType);
            assertThat(Manifests.IMAGE_TYPES.contains(parsed.mediaType()) || Manifests.INDEX_TYPES.contains(parsed.mediaType()))
                    .as(parsed.mediaType()).isTrue();
        } catch (RegistryException expected) {
            assertThat(expected.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
        }
    }
}
