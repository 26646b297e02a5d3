package dev.berth.daemon.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.oci.IdMap;

import java.util.ArrayList;
import java.util.List;

/**
 * What stands between one container and the host beyond namespaces and capabilities: its seccomp
 * profile, no-new-privileges, AppArmor/SELinux labels, masked and read-only paths, and the host devices
 * it was given. Read from the container's HostConfig; every bad setting is a 400 at create.
 *
 * @param maskedPaths   hidden from the container (an empty file or directory mounted over them)
 * @param readonlyPaths remounted read-only
 * @param userns        the ID map of the container's own user namespace ({@code --userns-remap}), or null for the host's
 */
public record Confinement(SecurityOpts opts, List<Devices.Mapping> devices, List<Devices.Rule> deviceRules,
                          List<String> maskedPaths, List<String> readonlyPaths, IdMap userns) {

    public Confinement(SecurityOpts opts, List<Devices.Mapping> devices, List<Devices.Rule> deviceRules,
                       List<String> maskedPaths, List<String> readonlyPaths) {
        this(opts, devices, deviceRules, maskedPaths, readonlyPaths, null);
    }

    /** Docker's masked paths: kernel state a container has no business reading. */
    public static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/interrupts",
            "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
            "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
    /** Docker's read-only paths: kernel knobs a container could turn for the whole host. */
    public static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    /** A container that asked for nothing, unprivileged. */
    public static final Confinement DEFAULT = new Confinement(SecurityOpts.DEFAULT, List.of(), List.of(), MASKED_PATHS,
            READONLY_PATHS);

    /**
     * The confinement {@code hostConfig} asks for. {@code Privileged} lifts the masked and read-only paths (and,
     * where the spec is written, seccomp and the device rules); {@code systempaths=unconfined} lifts the paths only.
     */
    public static Confinement of(JsonNode hostConfig) {
        return of(hostConfig, ContainerDefaults.DEFAULT);
    }

    /**
     * The same under all of the daemon's settings: its defaults, and with {@code --userns-remap} the user
     * namespace (400 for what dockerd refuses in one: {@code --privileged}, host network or PID namespace).
     */
    public static Confinement of(JsonNode hostConfig, DaemonSecurity daemon) {
        Confinement c = of(hostConfig, daemon.containers());
        UsernsRemap remap = daemon.userns();
        if (remap == null) {
            return c;
        }
        UsernsRemap.check(hostConfig);
        return new Confinement(c.opts, c.devices, c.deviceRules, c.maskedPaths, c.readonlyPaths, remap.forContainer(hostConfig));
    }

    /** The same, over the daemon's defaults ({@code --seccomp-profile}, {@code --no-new-privileges}). */
    public static Confinement of(JsonNode hostConfig, ContainerDefaults defaults) {
        List<String> opts = new ArrayList<>();
        hostConfig.path("SecurityOpt").forEach(o -> opts.add(o.asText()));
        SecurityOpts so = SecurityOpts.parse(opts, defaults);
        boolean privileged = hostConfig.path("Privileged").asBoolean(false);
        List<String> masked = List.of();
        List<String> readonly = List.of();
        if (!privileged && !so.systemPathsUnconfined()) {
            masked = paths(hostConfig.get("MaskedPaths"), MASKED_PATHS);
            readonly = paths(hostConfig.get("ReadonlyPaths"), READONLY_PATHS);
        }
        return new Confinement(so, Devices.mappings(hostConfig.path("Devices")),
                Devices.cgroupRules(hostConfig.path("DeviceCgroupRules")), masked, readonly);
    }

    /** The API's explicit list wins (even empty); null or absent means the defaults. */
    private static List<String> paths(JsonNode given, List<String> defaults) {
        if (given == null || !given.isArray()) {
            return defaults;
        }
        List<String> out = new ArrayList<>();
        given.forEach(p -> out.add(p.asText()));
        return List.copyOf(out);
    }
}
