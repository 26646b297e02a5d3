package dev.berth.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LibcTest {
    @Test
    void tmpfsMountIsVisibleAndUnmounts(@TempDir Path dir) throws Exception {
        Path target = Files.createDirectory(dir.resolve("m"));
        Libc.mount("tmpfs", target.toString(), "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV, "size=1m");
        try {
            assertThat(Files.readString(Path.of("/proc/self/mounts"))).contains(target.toString());
            Files.writeString(target.resolve("f"), "x");
        } finally {
            Libc.umount2(target.toString(), 0);
        }
        assertThat(Files.exists(target.resolve("f"))).isFalse();
    }

    @Test
    void failureCarriesErrno(@TempDir Path dir) {
        assertThatThrownBy(() -> Libc.umount2(dir.resolve("not-mounted").toString(), 0))
                .isInstanceOf(Libc.ErrnoException.class)
                .satisfies(e -> assertThat(((Libc.ErrnoException) e).errno()).isIn(Libc.ENOENT, Libc.EINVAL));
    }
}
