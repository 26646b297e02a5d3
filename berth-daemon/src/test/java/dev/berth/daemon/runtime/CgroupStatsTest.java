package dev.berth.daemon.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cgroup files' formats turned into Docker's stats JSON. The test hosts run cgroup v1, so the v2
 * layout is checked here on files written as the kernel writes them (v1 is also covered end to end by StatsTest).
 */
class CgroupStatsTest {
    @TempDir
    Path root;

    @Test
    @SuppressWarnings("unchecked")
    void unifiedHierarchyCountersInDockersShape() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Path dir = Files.createDirectories(root.resolve("berth/abc"));
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n"
                + "nr_periods 7\nnr_throttled 3\nthrottled_usec 40\n");
        Files.writeString(dir.resolve("memory.current"), "8388608\n");
        Files.writeString(dir.resolve("memory.max"), "67108864\n");
        Files.writeString(dir.resolve("memory.stat"), "anon 4096\nfile 8192\ninactive_file 1024\n");
        Files.writeString(dir.resolve("pids.current"), "3\n");
        Files.writeString(dir.resolve("pids.max"), "max\n");
        Files.writeString(dir.resolve("io.stat"), "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");

        Map<String, Object> s = CgroupStats.sample(root, "/berth/abc");

        Map<String, Object> cpu = (Map<String, Object>) s.get("cpu_stats");
        assertThat((Map<String, Object>) cpu.get("cpu_usage")).containsEntry("total_usage", 2_500_000L)
                .containsEntry("usage_in_usermode", 2_000_000L).containsEntry("usage_in_kernelmode", 500_000L);
        assertThat((Map<String, Object>) cpu.get("throttling_data")).containsEntry("periods", 7L)
                .containsEntry("throttled_periods", 3L).containsEntry("throttled_time", 40_000L);
        Map<String, Object> mem = (Map<String, Object>) s.get("memory_stats");
        assertThat(mem).containsEntry("usage", 8_388_608L).containsEntry("limit", 67_108_864L);
        assertThat((Map<String, Long>) mem.get("stats")).containsEntry("inactive_file", 1024L);
        assertThat((Map<String, Object>) s.get("pids_stats")).containsEntry("current", 3L).doesNotContainKey("limit");
        List<Map<String, Object>> io = (List<Map<String, Object>>) ((Map<String, Object>) s.get("blkio_stats"))
                .get("io_service_bytes_recursive");
        assertThat(io).containsExactly(
                Map.of("major", 8L, "minor", 0L, "op", "read", "value", 4096L),
                Map.of("major", 8L, "minor", 0L, "op", "write", "value", 8192L));
    }

    @Test
    @SuppressWarnings("unchecked")
    void separateControllersOfVersionOne() throws IOException {
        Path acct = Files.createDirectories(root.resolve("cpuacct/berth/abc"));
        Files.writeString(acct.resolve("cpuacct.usage"), "123456\n");
        Files.writeString(acct.resolve("cpuacct.usage_percpu"), "100000 23456 \n");
        Path mem = Files.createDirectories(root.resolve("memory/berth/abc"));
        Files.writeString(mem.resolve("memory.usage_in_bytes"), "1048576\n");
        Files.writeString(mem.resolve("memory.limit_in_bytes"), "16777216\n");
        Path pids = Files.createDirectories(root.resolve("pids/berth/abc"));
        Files.writeString(pids.resolve("pids.current"), "2\n");
        Files.writeString(pids.resolve("pids.max"), "40\n");
        Path blkio = Files.createDirectories(root.resolve("blkio/berth/abc"));
        Files.writeString(blkio.resolve("blkio.throttle.io_service_bytes_recursive"), "8:0 Read 512\n8:0 Write 0\nTotal 512\n");

        Map<String, Object> s = CgroupStats.sample(root, "/berth/abc");

        Map<String, Object> usage = (Map<String, Object>) ((Map<String, Object>) s.get("cpu_stats")).get("cpu_usage");
        assertThat(usage).containsEntry("total_usage", 123_456L).containsEntry("percpu_usage", List.of(100_000L, 23_456L));
        assertThat((Map<String, Object>) s.get("memory_stats")).containsEntry("usage", 1_048_576L).containsEntry("limit", 16_777_216L);
        assertThat((Map<String, Object>) s.get("pids_stats")).containsEntry("current", 2L).containsEntry("limit", 40L);
        assertThat((List<Map<String, Object>>) ((Map<String, Object>) s.get("blkio_stats")).get("io_service_bytes_recursive"))
                .containsExactly(Map.of("major", 8L, "minor", 0L, "op", "Read", "value", 512L),
                        Map.of("major", 8L, "minor", 0L, "op", "Write", "value", 0L));
    }
}
