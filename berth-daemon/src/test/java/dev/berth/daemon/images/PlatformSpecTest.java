package dev.berth.daemon.images;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Platform specifiers parse as containerd's platforms.Parse parses them for dockerd, errors included. */
class PlatformSpecTest {
    private static final ImageService.Platform HOST = new ImageService.Platform("linux", "amd64", null);

    private static String parsed(String spec) {
        ImageService.Platform p = PlatformSpec.parse(spec, HOST);
        return p.os() + "|" + p.architecture() + "|" + p.variant();
    }

    @Test
    void normalizesAsContainerd() {
        assertThat(parsed("linux")).isEqualTo("linux|amd64|null");
        assertThat(parsed("Linux/AMD64")).isEqualTo("linux|amd64|null");
        assertThat(parsed("amd64")).isEqualTo("linux|amd64|null");
        assertThat(parsed("x86_64")).isEqualTo("linux|amd64|null");
        assertThat(parsed("aarch64")).isEqualTo("linux|arm64|null");
        assertThat(parsed("linux/arm64/v8")).isEqualTo("linux|arm64|null");
        assertThat(parsed("linux/arm")).isEqualTo("linux|arm|null");
        assertThat(parsed("linux/arm/v6")).isEqualTo("linux|arm|v6");
        assertThat(parsed("armhf")).isEqualTo("linux|arm|v7");
        assertThat(parsed("i386")).isEqualTo("linux|386|null");
        assertThat(parsed("windows")).isEqualTo("windows|amd64|null");
        assertThat(parsed("macos/arm64")).isEqualTo("darwin|arm64|null");
        assertThat(parsed("linux/riscv64")).isEqualTo("linux|riscv64|null");
    }

    @Test
    void refusesWithContainerdsMessages() {
        assertThatThrownBy(() -> PlatformSpec.parse("bogus", HOST)).isInstanceOf(PlatformSpec.InvalidPlatformException.class)
                .hasMessage("\"bogus\": unknown operating system or architecture: invalid argument");
        assertThatThrownBy(() -> PlatformSpec.parse("linux/", HOST))
                .hasMessage("\"\" is an invalid component of \"linux/\": platform specifier component must match \"^[A-Za-z0-9_-]+$\": invalid argument");
        assertThatThrownBy(() -> PlatformSpec.parse("linux/amd64/v2/x", HOST))
                .hasMessage("\"linux/amd64/v2/x\": cannot parse platform specifier: invalid argument");
        assertThatThrownBy(() -> PlatformSpec.parse("linux/am d64", HOST)).hasMessageContaining("is an invalid component of");
        assertThatThrownBy(() -> PlatformSpec.parse("", HOST)).hasMessageContaining("is an invalid component of");
    }
}
