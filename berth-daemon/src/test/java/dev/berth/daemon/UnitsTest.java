package dev.berth.daemon;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsTest {
    @Test
    void parsesDockerSizes() {
        assertThat(Units.parseBytes("64m")).isEqualTo(64L << 20);
        assertThat(Units.parseBytes("1g")).isEqualTo(1L << 30);
        assertThat(Units.parseBytes("10MB")).isEqualTo(10L << 20);
        assertThat(Units.parseBytes("512")).isEqualTo(512);
        assertThat(Units.parseBytes("100b")).isEqualTo(100);
        assertThatThrownBy(() -> Units.parseBytes("lots")).isInstanceOf(IllegalArgumentException.class);
    }
}
