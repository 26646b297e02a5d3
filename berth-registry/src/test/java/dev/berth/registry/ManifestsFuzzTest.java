package dev.berth.registry;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.MediaTypes;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what a push hands the registry before anything is stored: the manifest body with its
 * Content-Type, and the repository name and reference from the URL. The only failure allowed is a
 * {@link RegistryException} (a 4xx with a registry error code). An input is name, reference and
 * Content-Type separated by NUL bytes, then the body; a Content-Type of one digit picks a known one.
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/registry/ManifestsFuzzTestInputs/}.
 */
class ManifestsFuzzTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] CONTENT_TYPES = {
        "", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST,
    };

    @FuzzTest(maxDuration = "15s")
    void push(byte[] input) {
        String[] head = new String[3];
        int at = 0;
        for (int i = 0; i < head.length; i++) {
            int end = at;
            while (end < input.length && input[end] != 0) {
                end++;
            }
            head[i] = new String(input, at, end - at, StandardCharsets.UTF_8);
            at = Math.min(end + 1, input.length);
        }
        String name = head[0];
        String reference = head[1];
        String contentType = head[2].length() == 1 && Character.isDigit(head[2].charAt(0))
                ? CONTENT_TYPES[(head[2].charAt(0) - '0') % CONTENT_TYPES.length] : head[2];
        byte[] body = Arrays.copyOfRange(input, at, input.length);
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
