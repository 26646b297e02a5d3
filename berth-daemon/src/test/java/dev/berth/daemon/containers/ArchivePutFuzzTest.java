package dev.berth.daemon.containers;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.berth.daemon.api.ApiException;
import dev.berth.oci.LayerArchive;
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
 * Fuzzes {@code PUT /containers/{id}/archive} ({@code docker cp} into a container): the tar (any
 * compression) is extracted into a container root that already holds a directory, a file and a
 * symlink pointing out of the root. Nothing may appear outside that root and the only failure
 * allowed is a 400 {@link ApiException}, as the route would answer.
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/daemon/containers/ArchivePutFuzzTestInputs/}.
 */
class ArchivePutFuzzTest {
    private static Path sandbox;

    @BeforeAll
    static void createSandbox() throws IOException {
        sandbox = Files.createTempDirectory("berth-fuzz-cp-");
    }

    @AfterAll
    static void removeSandbox() throws IOException {
        LayerArchive.removeTree(sandbox);
    }

    @FuzzTest(maxDuration = "15s")
    void put(byte[] input) throws IOException {
        Path rootfs = sandbox.resolve("rootfs");
        Path outside = sandbox.resolve("outside");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/hostname"), "c1\n");
        Files.createSymbolicLink(rootfs.resolve("escape"), Path.of("../outside"));
        Files.createDirectory(outside);
        try {
            new ContainerArchive(rootfs, "fuzz").put("/", new ByteArrayInputStream(input), false, null);
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
        } finally {
            try (Stream<Path> s = Files.list(sandbox)) {
                assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(List.of("outside", "rootfs"));
            }
            try (Stream<Path> s = Files.list(outside)) {
                assertThat(s.toList()).isEmpty();
            }
            LayerArchive.removeTree(rootfs);
            Files.delete(outside);
        }
    }
}
