package dev.berth.daemon.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiVersionTest {
    @Test
    void comparesNumericallyNotAsText() {
        assertThat(ApiVersion.parse("1.9")).isLessThan(ApiVersion.parse("1.24"));
        assertThat(ApiVersion.parse("1.50").atLeast(1, 44)).isTrue();
        assertThatThrownBy(() -> ApiVersion.parse("1.x")).isInstanceOf(ApiException.class);
    }
}
