package dev.berth.dockerfile;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Docker's parser test vectors: every folder's Dockerfile, parsed and dumped, must equal its
 * {@code result}. Reads the copy bundled in the test resources and, when present, the shared
 * vectors beside the repository ({@code ../shared/testdata/dockerfile-parser}) or in
 * {@code $BERTH_DOCKERFILE_VECTORS}, so vectors added there are checked too.
 */
class ParserVectorsTest {

    static Map<String, Path> vectors() throws IOException, URISyntaxException {
        Map<String, Path> byName = new TreeMap<>();
        List<Path> roots = new ArrayList<>();
        roots.add(Path.of(ParserVectorsTest.class.getResource("/dockerfile-parser").toURI()));
        roots.add(Path.of("../../shared/testdata/dockerfile-parser").toAbsolutePath().normalize());
        String env = System.getenv("BERTH_DOCKERFILE_VECTORS");
        if (env != null && !env.isBlank()) {
            roots.add(Path.of(env));
        }
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> dirs = Files.list(root)) {
                dirs.filter(d -> Files.isRegularFile(d.resolve("Dockerfile"))).forEach(d -> byName.put(d.getFileName().toString(), d));
            }
        }
        return byName;
    }

    @TestFactory
    Stream<DynamicTest> everyVectorParsesToItsResult() throws Exception {
        return vectors().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Path dir = e.getValue();
            Path result = dir.resolve("result");
            if (!Files.exists(result)) {
                // a vector without a result is a parse that must fail
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> DockerfileParser.parse(dir.resolve("Dockerfile")))
                        .isInstanceOf(DockerfileSyntaxException.class);
                return;
            }
            String expected = Files.readString(result).replace("\r\n", "\n");
            String got = DockerfileParser.parse(dir.resolve("Dockerfile")).dump();
            assertThat(stripTrailingNewline(got)).isEqualTo(stripTrailingNewline(expected));
        }));
    }

    @Test
    void allBundledVectorsAreFound() throws Exception {
        assertThat(vectors()).hasSizeGreaterThanOrEqualTo(22);
    }

    private static String stripTrailingNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
