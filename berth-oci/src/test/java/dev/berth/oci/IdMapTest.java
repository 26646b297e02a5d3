package dev.berth.oci;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdMapTest {
    @Test
    void subordinateRangesStackInHostOrderFromContainerIdZero() {
        IdMap m = IdMap.fromSubordinate(List.of(new long[] {500000, 10}, new long[] {100000, 65536}),
                List.of(new long[] {200000, 65546}));
        assertThat(m.uids()).containsExactly(new IdMap.Range(0, 100000, 65536), new IdMap.Range(65536, 500000, 10));
        assertThat(m.rootUid()).isEqualTo(100000);
        assertThat(m.rootGid()).isEqualTo(200000);
        assertThat(m.hostUid(65537)).isEqualTo(500001);
        assertThat(m.containerUid(500001)).isEqualTo(65537);
        assertThat(m.containerUid(0)).isEqualTo(65534); // host root is nobody inside, as the kernel shows it
        assertThat(m.containerGid(200005)).isEqualTo(5);
        assertThatThrownBy(() -> m.hostUid(65546)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("container UID 65546 cannot be mapped to a host UID");
        assertThat(m.ociUidMappings().getFirst()).isEqualTo(Map.of("containerID", 0L, "hostID", 100000L, "size", 65536L));
    }

    @Test
    void identityMapsEveryIdToItself() {
        assertThat(IdMap.IDENTITY.isIdentity()).isTrue();
        assertThat(IdMap.IDENTITY.hostUid(4294967294L)).isEqualTo(-2); // unsigned 4294967294 in an int
        assertThat(IdMap.IDENTITY.containerGid(0xFFFF_FFFEL)).isEqualTo(0xFFFF_FFFEL);
        assertThat(IdMap.fromSubordinate(List.<long[]>of(new long[] {1, 1}), List.<long[]>of(new long[] {1, 1})).isIdentity()).isFalse();
    }

    @Test
    void rangesMustFitTheIdSpace() {
        assertThatThrownBy(() -> new IdMap.Range(0, 0xFFFF_FFFFL, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IdMap(List.of(), List.of(new IdMap.Range(0, 1, 1)))).isInstanceOf(IllegalArgumentException.class);
    }
}
