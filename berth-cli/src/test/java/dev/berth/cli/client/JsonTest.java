package dev.berth.cli.client;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JsonTest {
    @Test
    void roundTripsKeepingOrderAndNumberKinds() throws Exception {
        String text = "{\"b\":1,\"a\":[true,null,1.5,12345678901,\"x\\\"y\"],\"c\":{}}";
        var n = Json.parse(text);
        assertThat(Json.string(n)).isEqualTo(text);
        assertThat(n.get("a").get(3).isLong()).isTrue();
        assertThat(n.get("a").get(2).isDouble()).isTrue();
    }

    @Test
    void sortedOrdersKeysAtEveryLevel() throws Exception {
        var n = Json.parse("{\"z\":{\"y\":1,\"x\":2},\"a\":[{\"d\":1,\"c\":2}]}");
        assertThat(Json.string(Json.sorted(n))).isEqualTo("{\"a\":[{\"c\":2,\"d\":1}],\"z\":{\"x\":2,\"y\":1}}");
    }

    @Test
    void streamsConcatenatedDocuments() throws Exception {
        var it = Json.stream(new ByteArrayInputStream("{\"status\":\"a\"}\r\n{\"status\":\"b\"}\n".getBytes(StandardCharsets.UTF_8)));
        List<String> got = new ArrayList<>();
        it.forEachRemaining(n -> got.add(n.get("status").asText()));
        assertThat(got).containsExactly("a", "b");
        assertThat(Json.parse(new byte[0]).isMissingNode()).isTrue();
    }
}
