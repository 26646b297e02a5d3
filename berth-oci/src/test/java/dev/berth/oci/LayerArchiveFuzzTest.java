package dev.berth.oci;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes layer extraction: whatever the tar (or compressed tar) holds, nothing may appear outside
 * the target directory and the only failure allowed is {@link InvalidLayerException}.
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/oci/LayerArchiveFuzzTestInputs/}.
 */
class LayerArchiveFuzzTest {
    private static Path sandbox;

    @BeforeAll
    static void createSandbox() throws IOException {
        sandbox = Files.createTempDirectory("berth-fuzz-layer-");
    }

    @AfterAll
    static void removeSandbox() throws IOException {
        LayerArchive.removeTree(sandbox);
    }

    @FuzzTest(maxDuration = "15s")
    void extract(byte[] input) throws IOException {
        Path layer = sandbox.resolve("layer");
        Path outside = sandbox.resolve("outside");
        Files.createDirectory(layer);
        Files.createDirectory(outside);
        try {
            LayerArchive.extract(new ByteArrayInputStream(input), layer);
        } catch (InvalidLayerException expected) {
            // hostile or malformed input, refused cleanly
        } finally {
            // Whatever happened, the sandbox holds exactly what the test created.
            try (Stream<Path> s = Files.list(sandbox)) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(List.of("layer", "outside"));
            }
            try (Stream<Path> s = Files.list(outside)) {
                assertThat(s.toList()).isEmpty();
            }
            LayerArchive.removeTree(layer);
            Files.delete(outside);
        }
    }
}
