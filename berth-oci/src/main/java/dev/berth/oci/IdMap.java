package dev.berth.oci;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a user namespace maps user and group IDs: ranges of container IDs onto ranges of host IDs, as
 * in {@code /proc/<pid>/uid_map}. {@link #IDENTITY} is the host's own view (no user namespace).
 *
 * @param uids container UID ranges, ascending by container ID, without gaps between them
 * @param gids container GID ranges, the same
 */
public record IdMap(List<Range> uids, List<Range> gids) {

    /** One line of a uid_map: {@code size} IDs from {@code containerId} are {@code hostId}... on the host. */
    public record Range(long containerId, long hostId, long size) {
        public Range {
            if (containerId < 0 || hostId < 0 || size <= 0 || hostId + size > 0x1_0000_0000L || containerId + size > 0x1_0000_0000L) {
                throw new IllegalArgumentException("invalid ID range " + containerId + " " + hostId + " " + size);
            }
        }

        /** The OCI spec's {@code uidMappings}/{@code gidMappings} entry. */
        public Map<String, Object> toOci() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("containerID", containerId);
            m.put("hostID", hostId);
            m.put("size", size);
            return m;
        }
    }

    /** No translation: the host's IDs. */
    public static final IdMap IDENTITY = new IdMap(List.of(new Range(0, 0, 0x1_0000_0000L)),
            List.of(new Range(0, 0, 0x1_0000_0000L)));

    public IdMap {
        uids = List.copyOf(uids);
        gids = List.copyOf(gids);
        if (uids.isEmpty() || gids.isEmpty()) {
            throw new IllegalArgumentException("an ID map needs at least one UID and one GID range");
        }
    }

    /**
     * The map a user namespace gets from subordinate ranges ({@code /etc/subuid} lines): the ranges in
     * ascending host order, container IDs counted from 0 across them, as dockerd builds it.
     *
     * @param subUids {start, count} pairs
     * @param subGids {start, count} pairs
     */
    public static IdMap fromSubordinate(List<long[]> subUids, List<long[]> subGids) {
        return new IdMap(stack(subUids), stack(subGids));
    }

    private static List<Range> stack(List<long[]> sub) {
        List<long[]> sorted = new ArrayList<>(sub);
        sorted.sort(Comparator.comparingLong(r -> r[0]));
        List<Range> out = new ArrayList<>();
        long next = 0;
        for (long[] r : sorted) {
            out.add(new Range(next, r[0], r[1]));
            next += r[1];
        }
        return out;
    }

    public boolean isIdentity() {
        return equals(IDENTITY);
    }

    /** The host UID of container root. */
    public int rootUid() {
        return hostUid(0);
    }

    /** The host GID of container root's group. */
    public int rootGid() {
        return hostGid(0);
    }

    /** The host UID of container UID {@code id}; {@link IllegalArgumentException} when the namespace has none. */
    public int hostUid(long id) {
        return (int) toHost(uids, id, "UID");
    }

    public int hostGid(long id) {
        return (int) toHost(gids, id, "GID");
    }

    /** The container UID of host UID {@code id}; unmapped IDs become the overflow ID 65534, as the kernel shows them. */
    public long containerUid(long hostId) {
        return toContainer(uids, hostId);
    }

    public long containerGid(long hostId) {
        return toContainer(gids, hostId);
    }

    private static long toHost(List<Range> ranges, long id, String kind) {
        for (Range r : ranges) {
            if (id >= r.containerId && id < r.containerId + r.size) {
                return r.hostId + (id - r.containerId);
            }
        }
        throw new IllegalArgumentException("container " + kind + " " + id + " cannot be mapped to a host " + kind);
    }

    private static long toContainer(List<Range> ranges, long hostId) {
        long h = hostId & 0xFFFF_FFFFL;
        for (Range r : ranges) {
            if (h >= r.hostId && h < r.hostId + r.size) {
                return r.containerId + (h - r.hostId);
            }
        }
        return 65534;
    }

    /** {@code linux.uidMappings} of the OCI spec. */
    public List<Map<String, Object>> ociUidMappings() {
        return uids.stream().map(Range::toOci).toList();
    }

    /** {@code linux.gidMappings} of the OCI spec. */
    public List<Map<String, Object>> ociGidMappings() {
        return gids.stream().map(Range::toOci).toList();
    }
}
