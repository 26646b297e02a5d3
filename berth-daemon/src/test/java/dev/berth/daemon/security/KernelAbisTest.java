package dev.berth.daemon.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class KernelAbisTest {
    private static final String WITHOUT = """
            CONFIG_X86_64=y
            CONFIG_IA32_EMULATION=y
            # CONFIG_X86_X32_ABI is not set
            CONFIG_COMPAT_32=y
            """;
    private static final String WITH = WITHOUT.replace("# CONFIG_X86_X32_ABI is not set", "CONFIG_X86_X32_ABI=y");

    @TempDir
    Path dir;

    private Path gz(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    private Path plain(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void procConfigDecidesFirst() throws IOException {
        Path boot = plain("boot", WITH);
        assertThat(KernelAbis.read(gz("proc.gz", WITHOUT), boot)).isEqualTo(new KernelAbis(false));
        assertThat(KernelAbis.read(gz("proc2.gz", WITH), plain("boot2", WITHOUT))).isEqualTo(new KernelAbis(true));
    }

    @Test
    void bootConfigWhenProcHasNone() throws IOException {
        Path missing = dir.resolve("no-config.gz");
        assertThat(KernelAbis.read(missing, plain("boot", WITHOUT)).x32()).isFalse();
        assertThat(KernelAbis.read(missing, plain("boot2", WITH)).x32()).isTrue();
        // not gzip (a truncated or foreign file): the next source decides
        assertThat(KernelAbis.read(plain("bad.gz", WITH), plain("boot3", WITHOUT)).x32()).isFalse();
    }

    @Test
    void unknownKeepsEveryAbi() throws IOException {
        Path missing = dir.resolve("none");
        assertThat(KernelAbis.read(missing, dir.resolve("none-either"))).isEqualTo(KernelAbis.ALL);
        // readable but silent on x32 (empty, cut short, or the option's dependencies unmet): keep it
        assertThat(KernelAbis.read(gz("empty.gz", ""), missing).x32()).isTrue();
        assertThat(KernelAbis.read(missing, plain("other", "CONFIG_ARM64=y\n")).x32()).isTrue();
    }

    @Test
    void olderKernelsNameTheOptionX86X32() throws IOException {
        assertThat(KernelAbis.read(gz("old.gz", "# CONFIG_X86_X32 is not set\n"), dir.resolve("x")).x32()).isFalse();
        assertThat(KernelAbis.read(gz("old2.gz", "CONFIG_X86_X32=y\n"), dir.resolve("x")).x32()).isTrue();
    }

    @Test
    void runnableDropsOnlyWhatTheKernelLacks() {
        List<String> all = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(new KernelAbis(false).runnable(all)).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
        assertThat(KernelAbis.ALL.runnable(all)).isEqualTo(all);
        assertThat(new KernelAbis(false).runnable(List.of())).isEmpty();
    }
}
