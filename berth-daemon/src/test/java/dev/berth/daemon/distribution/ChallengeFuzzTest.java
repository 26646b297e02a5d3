package dev.berth.daemon.distribution;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what a registry sends back before any authentication: the {@code WWW-Authenticate}
 * header. Parsing never fails; it gives null (no challenge) or a scheme with its parameters.
 * Seeds: {@code src/test/resources/dev/berth/daemon/distribution/ChallengeFuzzTestInputs/}.
 */
class ChallengeFuzzTest {
    @FuzzTest(maxDuration = "15s")
    void parse(byte[] input) {
        String header = new String(input, StandardCharsets.ISO_8859_1); // header bytes as an HTTP client hands them over
        Challenge c = Challenge.parse(header);
        if (c != null) {
            assertThat(c.scheme()).isNotNull().isEqualTo(c.scheme().toLowerCase(java.util.Locale.ROOT));
            c.params().forEach((k, v) -> assertThat(v).isNotNull());
        } else {
            assertThat(header.isBlank()).isTrue();
        }
    }
}
