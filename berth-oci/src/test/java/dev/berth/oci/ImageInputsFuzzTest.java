package dev.berth.oci;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the small formats every pull, tag, push and filter goes through: image references (with
 * docker's familiar-name patterns), digests and the image config JSON. An input is the reference,
 * a NUL, a reference filter pattern, a NUL, then a config blob. Allowed failures: the parsers'
 * documented IllegalArgumentException ({@link ImageReference.InvalidReferenceException}) and
 * the IOException of reading the config.
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/oci/ImageInputsFuzzTestInputs/}.
 */
class ImageInputsFuzzTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @FuzzTest(maxDuration = "15s")
    void parse(byte[] input) {
        int first = indexOf(input, 0);
        int second = first < 0 ? -1 : indexOf(input, first + 1);
        String text = new String(input, 0, first < 0 ? input.length : first, StandardCharsets.UTF_8);
        String pattern = first < 0 ? "*" : new String(input, first + 1, (second < 0 ? input.length : second) - first - 1, StandardCharsets.UTF_8);
        byte[] config = second < 0 ? new byte[0] : Arrays.copyOfRange(input, second + 1, input.length);

        try {
            ImageReference ref = ImageReference.parse(text);
            // What berth prints must parse back: the full form to the same reference. The familiar form
            // only parses: docker.io/docker.io/x prints as docker.io/x in Docker too.
            assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref);
            ImageReference.parse(ref.familiar());
            ref.withDefaultTag().familiarMatch(pattern);
        } catch (ImageReference.InvalidReferenceException expected) {
            // refused with docker's message
        }
        try {
            Digest d = Digest.parse(text);
            assertThat(Digest.parse(d.toString())).isEqualTo(d);
        } catch (IllegalArgumentException expected) {
            // not a digest
        }
        ImageReference.looksLikeId(text);
        try {
            ImageConfig c = MAPPER.readValue(config, ImageConfig.class);
            if (c != null && c.rootfs() != null && c.rootfs().diffIds() != null) {
                for (String id : c.rootfs().diffIds()) {
                    if (Digest.isDigest(id)) {
                        Digest.parse(id);
                    }
                }
            }
        } catch (IOException expected) {
            // malformed config blob: Jackson's JsonProcessingException, or CharConversionException for a bad encoding
        }
    }

    private static int indexOf(byte[] a, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
