package dev.berth.daemon.system;

import dev.berth.daemon.BerthVersion;
import dev.berth.daemon.DaemonConfig;
import dev.berth.daemon.api.ApiVersion;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Router;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** /_ping, /version and /info: what the engine is and what it holds. */
public final class SystemRoutes {
    private final DaemonConfig config;
    private final HostFacts host;
    private final String engineId;
    private final Supplier<EngineCounts> counts;
    private final String runtimeVersion;

    public SystemRoutes(DaemonConfig config, HostFacts host, String engineId, Supplier<EngineCounts> counts, String runtimeVersion) {
        this.config = config;
        this.host = host;
        this.engineId = engineId;
        this.counts = counts;
        this.runtimeVersion = runtimeVersion;
    }

    public void register(Router r) {
        r.get("/_ping", this::ping);
        r.head("/_ping", this::ping);
        r.get("/version", ex -> ex.respondJson(200, version()));
        r.get("/info", ex -> ex.respondJson(200, info()));
    }

    private void ping(Exchange ex) {
        var body = "OK".getBytes(StandardCharsets.US_ASCII);
        // "1": the classic builder protocol; no BuildKit session endpoint is served.
        ex.responseHeader("Builder-Version", "1").responseHeader("Cache-Control", "no-cache, no-store, must-revalidate")
                .responseHeader("Pragma", "no-cache");
        ex.respond(200, "text/plain; charset=utf-8", ex.method().name().equals("HEAD") ? new byte[0] : body);
    }

    /** The data root's filesystem in Docker's words (ext2/3/4 are all "extfs"). */
    private String backingFilesystem() {
        try {
            String type = java.nio.file.Files.getFileStore(config.dataRoot()).type();
            return type.startsWith("ext") ? "extfs" : type;
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    Map<String, Object> version() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Platform", Map.of("Name", "Berth Engine"));
        v.put("Components", List.of(
                Map.of("Name", "Engine", "Version", BerthVersion.VERSION,
                        "Details", Map.of("ApiVersion", ApiVersion.MAX.toString(), "MinAPIVersion", ApiVersion.MIN.toString(),
                                "Os", "linux", "Arch", host.goArch(), "KernelVersion", host.kernelVersion(),
                                // The docker CLI prints these keys; Berth's runtime is the JVM, not Go.
                                "GoVersion", "java" + Runtime.version().feature(), "GitCommit", "",
                                "BuildTime", "", "Experimental", "false")),
                Map.of("Name", "runc", "Version", runtimeVersion, "Details", Map.of())));
        v.put("Version", BerthVersion.VERSION);
        v.put("ApiVersion", ApiVersion.MAX.toString());
        v.put("MinAPIVersion", ApiVersion.MIN.toString());
        v.put("GitCommit", "");
        v.put("GoVersion", "java" + Runtime.version().feature());
        v.put("Os", "linux");
        v.put("Arch", host.goArch());
        v.put("KernelVersion", host.kernelVersion());
        v.put("BuildTime", "");
        return v;
    }

    Map<String, Object> info() {
        EngineCounts c = counts.get();
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("ID", engineId);
        i.put("Containers", c.containers());
        i.put("ContainersRunning", c.running());
        i.put("ContainersPaused", c.paused());
        i.put("ContainersStopped", c.stopped());
        i.put("Images", c.images());
        i.put("Driver", "overlay2");
        i.put("DriverStatus", List.of(List.of("Backing Filesystem", backingFilesystem()), List.of("Supports d_type", "true")));
        i.put("Plugins", Map.of("Volume", List.of("local"), "Network", List.of("bridge", "host", "none"),
                "Log", List.of("local")));
        i.put("MemoryLimit", true);
        i.put("SwapLimit", false);
        i.put("CpuCfsPeriod", true);
        i.put("CpuCfsQuota", true);
        i.put("CPUShares", true);
        i.put("CPUSet", true);
        i.put("PidsLimit", true);
        i.put("IPv4Forwarding", true);
        i.put("Debug", "debug".equalsIgnoreCase(config.logLevel()));
        i.put("NFd", countFds());
        i.put("OomKillDisable", host.cgroupVersion() == 1);
        i.put("NGoroutines", Thread.activeCount());
        i.put("SystemTime", Instant.now().toString());
        i.put("LoggingDriver", "local");
        i.put("CgroupDriver", "cgroupfs");
        i.put("CgroupVersion", Integer.toString(host.cgroupVersion()));
        i.put("NEventsListener", 0);
        i.put("KernelVersion", host.kernelVersion());
        i.put("OperatingSystem", host.operatingSystem());
        i.put("OSVersion", host.osVersion());
        i.put("OSType", "linux");
        i.put("Architecture", host.architecture());
        i.put("IndexServerAddress", "https://index.docker.io/v1/");
        i.put("RegistryConfig", Map.of("IndexConfigs", Map.of(), "InsecureRegistryCIDRs", List.of("127.0.0.0/8"), "Mirrors", List.of()));
        i.put("NCPU", host.cpus());
        i.put("MemTotal", host.memTotal());
        i.put("DockerRootDir", config.dataRoot().toString());
        i.put("Name", host.hostname());
        i.put("Labels", List.of());
        i.put("ExperimentalBuild", false);
        i.put("ServerVersion", BerthVersion.VERSION);
        i.put("Runtimes", Map.of("runc", Map.of("path", config.runtimePath())));
        i.put("DefaultRuntime", "runc");
        i.put("LiveRestoreEnabled", true);
        i.put("Isolation", "");
        i.put("InitBinary", "");
        i.put("RuncCommit", Map.of("ID", runtimeVersion));
        i.put("ContainerdCommit", Map.of("ID", ""));
        i.put("InitCommit", Map.of("ID", ""));
        i.put("Swarm", Map.of("NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive", "ControlAvailable", false, "Error", ""));
        i.put("SecurityOptions", dev.berth.daemon.security.HostSecurity.securityOptions(config.security()));
        i.put("Warnings", List.of());
        return i;
    }

    private static int countFds() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? 0 : fds.length;
    }
}
