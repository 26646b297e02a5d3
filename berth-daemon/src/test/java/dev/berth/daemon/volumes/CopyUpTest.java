package dev.berth.daemon.volumes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CopyUpTest {
    @Test
    void symlinksResolveInsideTheRootNeverOutside(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("real/data"));
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../../.."));
        Files.createSymbolicLink(root.resolve("rel"), Path.of("real"));
        assertThat(CopyUp.resolveInRoot(root, "/rel/data")).isEqualTo(root.resolve("real/data"));
        // /abs points at the container's /etc, which does not exist here: never the host's /etc
        assertThat(CopyUp.resolveInRoot(root, "/abs")).isNull();
        assertThat(CopyUp.resolveInRoot(root, "/up/real")).isEqualTo(root.resolve("real"));
        assertThat(CopyUp.resolveInRoot(root, "/../../real/./data")).isEqualTo(root.resolve("real/data"));
    }

    @Test
    void copiesOnlyIntoAnEmptyVolume(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root/srv"));
        Files.writeString(root.resolve("a.txt"), "a");
        Path vol = Files.createDirectories(tmp.resolve("vol"));
        assertThat(CopyUp.fill(tmp.resolve("root"), "/srv", vol)).isTrue();
        assertThat(Files.readString(vol.resolve("a.txt"))).isEqualTo("a");
        Files.writeString(vol.resolve("a.txt"), "changed");
        assertThat(CopyUp.fill(tmp.resolve("root"), "/srv", vol)).isFalse();
        assertThat(Files.readString(vol.resolve("a.txt"))).isEqualTo("changed");
        assertThat(CopyUp.fill(tmp.resolve("root"), "/nothing", Files.createDirectories(tmp.resolve("vol2")))).isFalse();
    }
}
