package dev.berth.registry;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what an operator writes: {@code registry.yaml} ({@link RegistryConfigFile}), a duration as
 * {@code --upload-ttl} or the file take it ({@link GoDuration}) and a {@code --listen} address. The documented
 * failure is an {@link IllegalArgumentException} with a message, which the CLI prints as one line with exit
 * code 2; anything else escaping (NumberFormatException, ArithmeticException, DateTimeParseException, a
 * StackOverflowError) is a finding, and so is a loaded config the server could not start with (a negative
 * duration, a port beyond 65535, a negative limit).
 *
 * <p>An input is a duration or listen address, a NUL byte, then the YAML file (no NUL: all YAML).
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/registry/RegistryConfigFuzzTestInputs/}.
 */
class RegistryConfigFuzzTest {
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("berth-registry-config-fuzz-");
    }

    @AfterAll
    static void stop() throws Exception {
        Files2.deleteTree(dir);
    }

    @FuzzTest(maxDuration = "15s")
    void load(byte[] input) throws Exception {
        int nul = 0;
        while (nul < input.length && input[nul] != 0) {
            nul++;
        }
        if (nul < input.length) {
            String arg = new String(input, 0, nul, StandardCharsets.UTF_8);
            try {
                assertThat(GoDuration.parse(arg).isNegative()).as("negative duration %s", arg).isFalse();
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
            try {
                RegistryConfig c = RegistryConfig.local(dir, "127.0.0.1", 5000, Duration.ofHours(1)).withListen(arg);
                assertThat(c.port()).as("port of %s", arg).isBetween(0, 65535);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        byte[] yaml = nul < input.length ? Arrays.copyOfRange(input, nul + 1, input.length) : input;
        Path file = dir.resolve("registry.yaml");
        Files.write(file, yaml);
        RegistryConfig c;
        try {
            c = RegistryConfigFile.load(file);
        } catch (IllegalArgumentException expected) {
            assertThat(expected.getMessage()).startsWith(file.toString());
            return;
        }
        assertThat(c.root().isAbsolute()).isTrue();
        assertThat(c.port()).isBetween(0, 65535);
        assertThat(c.uploadTtl().isNegative()).as("negative upload TTL").isFalse();
        c.auth().token().ifPresent(t -> assertThat(t.expiration().isNegative()).isFalse());
        RegistryConfig.Limits l = c.limits();
        assertThat(List.of(l.maxManifestBytes(), l.maxBlobBytes(), l.maxBodyBytes(), l.maxConcurrentUploads()))
                .allMatch(v -> v >= 0);
    }
}
