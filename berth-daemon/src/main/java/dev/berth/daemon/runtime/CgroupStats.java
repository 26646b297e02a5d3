package dev.berth.daemon.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sample of a container's resource use read from its cgroup (v1 controllers or the v2 unified
 * hierarchy), in the shape of Docker's stats JSON (snake_case members).
 */
public final class CgroupStats {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    /** /proc/stat counts in USER_HZ, which is 100 on Linux. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private CgroupStats() {}

    /** Reads the counters of cgroup {@code path} (as in the OCI spec, {@code /parent/id}). */
    public static Map<String, Object> sample(String path) {
        return sample(ROOT, path);
    }

    /** As {@link #sample(String)} under another cgroup mount point; a v2 (unified) root is told by its cgroup.controllers. */
    static Map<String, Object> sample(Path root, String path) {
        boolean unified = Files.exists(root.resolve("cgroup.controllers"));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("read", Instant.now().toString());
        if (unified) {
            Path dir = root.resolve(path.substring(1));
            s.put("pids_stats", pids(dir));
            s.put("blkio_stats", ioV2(dir));
            s.put("num_procs", 0);
            s.put("storage_stats", Map.of());
            s.put("cpu_stats", cpuV2(dir));
            s.put("memory_stats", memoryV2(dir));
            return s;
        }
        s.put("pids_stats", pids(root.resolve("pids" + path)));
        s.put("blkio_stats", blkio(root, path));
        s.put("num_procs", 0);
        s.put("storage_stats", Map.of());
        s.put("cpu_stats", cpu(root, path));
        s.put("memory_stats", memory(root, path));
        return s;
    }

    /** cgroup v2 io.stat as Docker reports it there: lower-case "read"/"write" entries per device. */
    private static Map<String, Object> ioV2(Path dir) {
        Map<String, Object> b = blkio();
        String text = readString(dir.resolve("io.stat"));
        if (text == null) {
            return b;
        }
        List<Map<String, Object>> bytes = new ArrayList<>();
        List<Map<String, Object>> ops = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            String[] dev = f[0].split(":");
            if (dev.length != 2) {
                continue;
            }
            for (int i = 1; i < f.length; i++) {
                String[] kv = f[i].split("=", 2);
                if (kv.length != 2) {
                    continue;
                }
                switch (kv[0]) {
                    case "rbytes" -> bytes.add(entry(dev, "read", kv[1]));
                    case "wbytes" -> bytes.add(entry(dev, "write", kv[1]));
                    case "rios" -> ops.add(entry(dev, "read", kv[1]));
                    case "wios" -> ops.add(entry(dev, "write", kv[1]));
                    default -> { }
                }
            }
        }
        b.put("io_service_bytes_recursive", bytes);
        b.put("io_serviced_recursive", ops);
        return b;
    }

    private static Map<String, Object> entry(String[] dev, String op, String value) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("major", Long.parseLong(dev[0]));
        e.put("minor", Long.parseLong(dev[1]));
        e.put("op", op);
        e.put("value", Long.parseLong(value));
        return e;
    }

    /** cgroup v2 cpu.stat counts microseconds; Docker's JSON wants nanoseconds and has no per-CPU usage there. */
    private static Map<String, Object> cpuV2(Path dir) {
        Map<String, Long> stat = keyValues(dir.resolve("cpu.stat"));
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total_usage", stat.getOrDefault("usage_usec", 0L) * 1000);
        usage.put("usage_in_kernelmode", stat.getOrDefault("system_usec", 0L) * 1000);
        usage.put("usage_in_usermode", stat.getOrDefault("user_usec", 0L) * 1000);
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("cpu_usage", usage);
        cpu.put("system_cpu_usage", systemCpuUsage());
        cpu.put("online_cpus", Runtime.getRuntime().availableProcessors());
        cpu.put("throttling_data", Map.of("periods", stat.getOrDefault("nr_periods", 0L),
                "throttled_periods", stat.getOrDefault("nr_throttled", 0L),
                "throttled_time", stat.getOrDefault("throttled_usec", 0L) * 1000));
        return cpu;
    }

    private static Map<String, Object> memoryV2(Path dir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("usage", readLong(dir.resolve("memory.current")));
        m.put("stats", keyValues(dir.resolve("memory.stat")));
        String max = readString(dir.resolve("memory.max"));
        long limit = max == null || max.trim().equals("max") ? 0 : Long.parseLong(max.trim());
        long total = hostMemory();
        m.put("limit", total > 0 && (limit <= 0 || limit > total) ? total : limit);
        return m;
    }

    /** What Docker reports for a container that is not running. */
    public static Map<String, Object> empty() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("read", "0001-01-01T00:00:00Z");
        s.put("pids_stats", Map.of());
        s.put("blkio_stats", blkio());
        s.put("num_procs", 0);
        s.put("storage_stats", Map.of());
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("cpu_usage", Map.of("total_usage", 0, "usage_in_kernelmode", 0, "usage_in_usermode", 0));
        cpu.put("throttling_data", Map.of("periods", 0, "throttled_periods", 0, "throttled_time", 0));
        s.put("cpu_stats", cpu);
        s.put("memory_stats", Map.of());
        return s;
    }

    private static Map<String, Object> blkio() {
        Map<String, Object> b = new LinkedHashMap<>();
        for (String k : List.of("io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
                "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive",
                "sectors_recursive")) {
            b.put(k, null);
        }
        return b;
    }

    /** cgroup v1 blkio counters as Docker's entries ({@code major}, {@code minor}, {@code op}, {@code value}). */
    private static Map<String, Object> blkio(Path root, String path) {
        Map<String, Object> b = blkio();
        Path dir = root.resolve("blkio" + path);
        b.put("io_service_bytes_recursive", blkioEntries(dir.resolve("blkio.throttle.io_service_bytes_recursive")));
        b.put("io_serviced_recursive", blkioEntries(dir.resolve("blkio.throttle.io_serviced_recursive")));
        return b;
    }

    private static List<Map<String, Object>> blkioEntries(Path f) {
        String text = readString(f);
        if (text == null) {
            return null;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String[] p = line.trim().split("\\s+");
            String[] dev = p[0].split(":");
            if (p.length != 3 || dev.length != 2) {
                continue; // the "Total" line
            }
            out.add(entry(dev, p[1], p[2])); // op as the cgroup writes it ("Read"), as Docker passes it on
        }
        return out;
    }

    private static Map<String, Object> pids(Path dir) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("current", readLong(dir.resolve("pids.current")));
        String max = readString(dir.resolve("pids.max"));
        if (max != null && !max.trim().equals("max")) {
            p.put("limit", Long.parseLong(max.trim()));
        }
        return p;
    }

    private static Map<String, Object> cpu(Path root, String path) {
        Path acct = root.resolve("cpuacct" + path);
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total_usage", readLong(acct.resolve("cpuacct.usage")));
        List<Long> percpu = new ArrayList<>();
        String per = readString(acct.resolve("cpuacct.usage_percpu"));
        if (per != null) {
            for (String v : per.trim().split("\\s+")) {
                if (!v.isEmpty()) {
                    percpu.add(Long.parseLong(v));
                }
            }
        }
        usage.put("percpu_usage", percpu);
        Map<String, Long> stat = keyValues(acct.resolve("cpuacct.stat"));
        usage.put("usage_in_kernelmode", stat.getOrDefault("system", 0L) * NANOS_PER_TICK);
        usage.put("usage_in_usermode", stat.getOrDefault("user", 0L) * NANOS_PER_TICK);
        Map<String, Long> thr = keyValues(root.resolve("cpu" + path).resolve("cpu.stat"));
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("cpu_usage", usage);
        cpu.put("system_cpu_usage", systemCpuUsage());
        cpu.put("online_cpus", Runtime.getRuntime().availableProcessors());
        cpu.put("throttling_data", Map.of("periods", thr.getOrDefault("nr_periods", 0L),
                "throttled_periods", thr.getOrDefault("nr_throttled", 0L),
                "throttled_time", thr.getOrDefault("throttled_time", 0L)));
        return cpu;
    }

    private static Map<String, Object> memory(Path root, String path) {
        Path mem = root.resolve("memory" + path);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("usage", readLong(mem.resolve("memory.usage_in_bytes")));
        m.put("max_usage", readLong(mem.resolve("memory.max_usage_in_bytes")));
        m.put("stats", keyValues(mem.resolve("memory.stat")));
        m.put("failcnt", readLong(mem.resolve("memory.failcnt")));
        long limit = readLong(mem.resolve("memory.limit_in_bytes"));
        long total = hostMemory();
        m.put("limit", total > 0 && (limit <= 0 || limit > total) ? total : limit);
        return m;
    }

    /** Host CPU time in nanoseconds, the denominator of docker stats' CPU %. */
    static long systemCpuUsage() {
        String stat = readString(Path.of("/proc/stat"));
        if (stat == null) {
            return 0;
        }
        String[] f = stat.lines().findFirst().orElse("").trim().split("\\s+");
        long ticks = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            ticks += Long.parseLong(f[i]);
        }
        return ticks * NANOS_PER_TICK;
    }

    private static long hostMemory() {
        String mi = readString(Path.of("/proc/meminfo"));
        if (mi == null) {
            return 0;
        }
        for (String line : mi.lines().toList()) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    private static Map<String, Long> keyValues(Path f) {
        Map<String, Long> out = new LinkedHashMap<>();
        String s = readString(f);
        if (s != null) {
            for (String line : s.lines().toList()) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2) {
                    try {
                        out.put(kv[0], Long.parseLong(kv[1]));
                    } catch (NumberFormatException ignored) {
                        // not a counter
                    }
                }
            }
        }
        return out;
    }

    private static long readLong(Path f) {
        String s = readString(f);
        try {
            return s == null ? 0 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String readString(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return null;
        }
    }
}
