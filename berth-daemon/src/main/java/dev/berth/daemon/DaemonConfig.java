package dev.berth.daemon;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * berthd's settings, from flags and the JSON config file (docker's daemon.json names).
 *
 * @param dataRoot    everything persistent: metadata, images, layers, container state
 * @param execRoot    everything that dies with the machine: sockets, runtime state, pid files
 * @param hosts       API listen addresses ({@code unix://...}, {@code tcp://...})
 * @param runtimePath the OCI runtime binary (runc)
 * @param conmonPath  the container monitor binary
 * @param cgroupParent the parent cgroup for containers
 * @param logMaxSize  bytes a container log may grow to before it is rotated
 * @param logMaxFiles how many rotated log files are kept (the live one included)
 * @param defaultUlimits ulimits applied to containers that set none, name to soft/hard
 * @param registry    registry mirrors, insecure registries and transfer concurrency
 * @param network     bridge, address pools and firewall settings
 * @param security    the API socket's group, the TLS a TCP client must show, containers' default seccomp/no-new-privileges
 */
public record DaemonConfig(
        Path dataRoot,
        Path execRoot,
        List<String> hosts,
        Path pidFile,
        String logLevel,
        String runtimePath,
        String conmonPath,
        String cgroupParent,
        long logMaxSize,
        int logMaxFiles,
        long defaultShmSize,
        Map<String, long[]> defaultUlimits,
        dev.berth.daemon.distribution.RegistryOptions registry,
        dev.berth.daemon.network.NetworkConfig network,
        dev.berth.daemon.security.DaemonSecurity security) {

    /** Without security settings: unix sockets for group {@code berth}, no TCP without mutual TLS, Docker's container defaults. */
    public DaemonConfig(Path dataRoot, Path execRoot, List<String> hosts, Path pidFile, String logLevel, String runtimePath,
                        String conmonPath, String cgroupParent, long logMaxSize, int logMaxFiles, long defaultShmSize,
                        Map<String, long[]> defaultUlimits, dev.berth.daemon.distribution.RegistryOptions registry,
                        dev.berth.daemon.network.NetworkConfig network) {
        this(dataRoot, execRoot, hosts, pidFile, logLevel, runtimePath, conmonPath, cgroupParent, logMaxSize, logMaxFiles,
                defaultShmSize, defaultUlimits, registry, network, dev.berth.daemon.security.DaemonSecurity.DEFAULT);
    }

    /** Without registry or network settings: docker's registry defaults, no default bridge, no firewall rules (embedders and unit tests). */
    public DaemonConfig(Path dataRoot, Path execRoot, List<String> hosts, Path pidFile, String logLevel, String runtimePath,
                        String conmonPath, String cgroupParent, long logMaxSize, int logMaxFiles, long defaultShmSize,
                        Map<String, long[]> defaultUlimits) {
        this(dataRoot, execRoot, hosts, pidFile, logLevel, runtimePath, conmonPath, cgroupParent, logMaxSize, logMaxFiles,
                defaultShmSize, defaultUlimits, dev.berth.daemon.distribution.RegistryOptions.defaults(),
                dev.berth.daemon.network.NetworkConfig.DISABLED);
    }

    public static final Path DEFAULT_DATA_ROOT = Path.of("/var/lib/berth");
    public static final Path DEFAULT_EXEC_ROOT = Path.of("/run/berth");

    /** The first unix socket berthd listens on, used by tools that talk to it locally. */
    public Path socketPath() {
        for (String h : hosts) {
            if (h.startsWith("unix://")) {
                return Path.of(h.substring("unix://".length()));
            }
        }
        return execRoot.resolve("berth.sock");
    }
}
