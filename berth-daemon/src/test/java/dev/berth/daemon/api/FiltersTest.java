package dev.berth.daemon.api;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FiltersTest {
    private final Json json = new Json();

    @Test
    void readsBothEncodingsDockerClientsSend() {
        assertThat(Filters.parse("{\"status\":[\"running\",\"exited\"]}", json).get("status")).containsExactly("running", "exited");
        assertThat(Filters.parse("{\"label\":{\"a=b\":true,\"c\":false}}", json).get("label")).containsExactly("a=b");
        assertThat(Filters.parse(null, json).values()).isEmpty();
    }

    @Test
    void labelFiltersNeedEveryKeyAndValue() {
        Filters f = Filters.parse("{\"label\":[\"app\",\"tier=web\"]}", json);
        assertThat(f.matchesLabels("label", Map.of("app", "x", "tier", "web"))).isTrue();
        assertThat(f.matchesLabels("label", Map.of("app", "x", "tier", "db"))).isFalse();
        assertThat(f.matchesLabels("label", Map.of("tier", "web"))).isFalse();
    }

    @Test
    void unknownFiltersAndMalformedJsonAreBadRequests() {
        assertThatThrownBy(() -> Filters.parse("{\"bogus\":[\"x\"]}", json).allowOnly(Set.of("label")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("invalid filter 'bogus'");
        assertThatThrownBy(() -> Filters.parse("{not json", json))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
