package dev.berth.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FdTest {
    @Test
    void resolutionStaysInsideTheRoot(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "host");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/secret"), "inside");
        Files.createSymbolicLink(root.resolve("abs"), outside);                 // absolute: means root/<outside>
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../.."));  // climbs: stops at the root
        Files.createSymbolicLink(root.resolve("toetc"), Path.of("/etc"));
        try (Fd r = Fd.openDirectory(root)) {
            assertThatThrownBy(() -> r.openInRoot("/abs/secret", Fd.O_RDONLY, 0)).isInstanceOf(Libc.ErrnoException.class);
            try (Fd f = r.openInRoot("/up/etc/secret", Fd.O_RDONLY, 0)) {
                assertThat(Files.readString(f.procPath())).isEqualTo("inside");
            }
            try (Fd f = r.openInRoot("../../toetc/secret", Fd.O_RDONLY, 0)) {
                assertThat(Files.readString(f.procPath())).isEqualTo("inside");
                assertThat(f.hostPath()).isEqualTo(root.toRealPath().resolve("etc/secret").toString());
            }
            try (Fd link = r.openInRoot("/abs", Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                assertThat(link.stat().isSymlink()).isTrue();
                assertThat(link.readlink()).isEqualTo(outside.toString());
            }
        }
    }

    @Test
    void atCallsCreateAndDescribeEntries(@TempDir Path tmp) throws Exception {
        try (Fd dir = Fd.openDirectory(tmp)) {
            dir.mkdirAt("d", 0750);
            dir.symlinkAt("l", "d");
            try (Fd f = dir.openAt("f", Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL | Fd.O_NOFOLLOW, 0600)) {
                Files.write(f.procPath(), "data".getBytes(StandardCharsets.UTF_8));
                f.chmod(0604);
                f.utimes(1_000_000_000L, 2_000_000_000L);
            }
            try (Fd f = dir.openAt("f", Fd.O_PATH | Fd.O_NOFOLLOW, 0)) {
                Fd.Stat st = f.stat();
                assertThat(st.isRegular()).isTrue();
                assertThat(st.mode() & 07777).isEqualTo(0604);
                assertThat(st.size()).isEqualTo(4);
                assertThat(st.mtimeNanos()).isEqualTo(2_000_000_000L);
                dir.linkAt(f, "hard");
            }
            assertThatThrownBy(() -> dir.openAt("l", Fd.O_PATH | Fd.O_DIRECTORY | Fd.O_NOFOLLOW, 0)).isInstanceOf(Libc.ErrnoException.class);
            assertThatThrownBy(() -> dir.openAt("../x", Fd.O_PATH, 0)).isInstanceOf(IllegalArgumentException.class);
            dir.unlinkAt("hard", false);
            dir.unlinkAt("d", true);
        }
        assertThat(Files.readString(tmp.resolve("f"))).isEqualTo("data");
        assertThat(tmp.resolve("hard")).doesNotExist();
    }

    @Test
    void ptyCarriesBytesBothWaysAndEndsWhenTheSlaveCloses() throws Exception {
        try (Pty pty = Pty.open()) {
            pty.resize(33, 101);
            assertThat(pty.slavePath()).startsWith("/dev/pts/");
            Process p = new ProcessBuilder("sh", "-c", "stty raw -echo; stty size; head -c 3")
                    .redirectInput(new java.io.File(pty.slavePath()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(new java.io.File(pty.slavePath())))
                    .redirectError(ProcessBuilder.Redirect.appendTo(new java.io.File(pty.slavePath()))).start();
            StringBuilder out = new StringBuilder();
            byte[] buf = new byte[256];
            int n;
            boolean typed = false;
            while ((n = pty.read(buf, 0, buf.length)) > 0) {
                out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                if (!typed && out.toString().contains("33 101")) {
                    pty.write("abc".getBytes(StandardCharsets.UTF_8), 0, 3);
                    typed = true;
                }
            }
            assertThat(p.waitFor()).isZero();
            assertThat(out.toString()).contains("33 101").endsWith("abc");
        }
    }
}
