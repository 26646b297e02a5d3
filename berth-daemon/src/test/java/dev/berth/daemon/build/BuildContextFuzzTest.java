package dev.berth.daemon.build;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.berth.dockerfile.ContextFiles;
import dev.berth.oci.InvalidLayerException;
import dev.berth.oci.LayerArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes a {@code POST /build} body: the context tar (any compression) is indexed as it streams in,
 * every path of the index is looked up and resolved, and the files are written out as a COPY that
 * misses the cache writes them. Nothing may appear outside the build's directory and the only
 * failure allowed is {@link InvalidLayerException} (a 400).
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/daemon/build/BuildContextFuzzTestInputs/}.
 */
class BuildContextFuzzTest {
    private static Path sandbox;
    private static final ContextSpool.Budget BUDGET = new ContextSpool.Budget(4);

    @BeforeAll
    static void createSandbox() throws IOException {
        sandbox = Files.createTempDirectory("berth-fuzz-context-");
    }

    @AfterAll
    static void removeSandbox() throws IOException {
        LayerArchive.removeTree(sandbox);
    }

    @FuzzTest(maxDuration = "15s")
    void context(byte[] input) throws IOException {
        Path work = sandbox.resolve("build");
        Path outside = sandbox.resolve("outside");
        Files.createDirectory(work);
        Files.createDirectory(outside);
        try {
            ContextIndex index = ContextIndex.read(new ByteArrayInputStream(input),
                    new ContextSpool(WorkDir.at(work), BUDGET), WorkDir.at(work), Set.of("Dockerfile"));
            try {
                visit(index, ".", 0);
                for (Path layer : index.layers()) {
                    assertThat(layer.normalize()).startsWith(work);
                }
            } finally {
                index.close();
            }
        } catch (InvalidLayerException expected) {
            // hostile or malformed context, refused cleanly
        } finally {
            try (Stream<Path> s = Files.list(sandbox)) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(List.of("build", "outside"));
            }
            try (Stream<Path> s = Files.list(outside)) {
                assertThat(s.toList()).isEmpty();
            }
            LayerArchive.removeTree(work);
            Files.delete(outside);
        }
    }

    private static void visit(ContextIndex index, String dir, int depth) throws IOException {
        if (depth > 64) {
            return;
        }
        for (String name : index.list(dir)) {
            String p = dir.equals(".") ? name : dir + "/" + name;
            index.entry(p);
            try {
                index.resolve("/" + p);
            } catch (IOException e) {
                // the one way resolving fails: the context's symlinks form a loop (ELOOP's message)
                assertThat(e).hasMessageStartingWith("too many levels of symbolic links in ");
            }
            if (index.kind(p) == ContextFiles.Kind.DIR) {
                visit(index, p, depth + 1);
            }
        }
    }
}
