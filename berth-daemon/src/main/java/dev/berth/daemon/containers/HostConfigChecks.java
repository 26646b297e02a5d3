package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Json;
import dev.berth.daemon.runtime.Capabilities;
import dev.berth.daemon.security.Confinement;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Reads a container's {@code HostConfig} into {@link HostSettings}, checks it as Docker does at
 * create and update, and fills in the defaults Docker's inspect shows.
 */
final class HostConfigChecks {
    private static final List<String> ULIMIT_NAMES = List.of("as", "core", "cpu", "data", "fsize", "locks", "memlock",
            "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack");

    private final Json json;
    private final long defaultShmSize;
    private final BooleanSupplier swapAccounting;

    HostConfigChecks(Json json, long defaultShmSize, BooleanSupplier swapAccounting) {
        this.json = json;
        this.defaultShmSize = defaultShmSize;
        this.swapAccounting = swapAccounting;
    }

    /** A client's HostConfig; 400 when it does not parse. */
    HostSettings read(ObjectNode hostConfig) {
        try {
            return json.mapper().treeToValue(hostConfig, HostSettings.class);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid HostConfig: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** A stored container's HostConfig, which was checked when it was stored. */
    HostSettings of(ContainerRecord r) {
        try {
            return json.mapper().treeToValue(r.hostConfig(), HostSettings.class);
        } catch (IOException e) {
            throw new IllegalStateException("stored HostConfig unreadable", e);
        }
    }

    /** Docker's checks of a HostConfig at create and update: 400 on what it refuses; the warnings it gives. */
    List<String> validate(HostSettings hs) {
        List<String> warnings = new ArrayList<>();
        Capabilities.effective(false, hs.capAdd(), hs.capDrop()); // 400 on unknown names
        if (hs.restartPolicy() != null && hs.restartPolicy().name() != null
                && !List.of("", "no", "always", "unless-stopped", "on-failure").contains(hs.restartPolicy().name())) {
            throw ApiException.badRequest("invalid restart policy '" + hs.restartPolicy().name() + "'");
        }
        if (hs.autoRemove() && !hs.restartPolicyName().equals("no")) {
            throw ApiException.badRequest("can't create 'AutoRemove' container with restart policy");
        }
        if (hs.memory() > 0 && hs.memory() < 6 * 1024 * 1024) {
            throw ApiException.badRequest("Minimum memory limit allowed is 6MB");
        }
        if (hs.memorySwap() > 0 && hs.memory() == 0) {
            throw ApiException.badRequest("You should always set the Memory limit when using Memoryswap limit, see usage");
        }
        if (hs.memorySwap() > 0 && hs.memorySwap() < hs.memory()) {
            throw ApiException.badRequest("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (hs.memory() > 0 && hs.memorySwap() != 0 && !swapAccounting.getAsBoolean()) {
            warnings.add("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.");
        }
        if (hs.nanoCpus() > 0 && hs.cpuPeriod() > 0) {
            throw ApiException.badRequest("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (hs.nanoCpus() > 0 && hs.cpuQuota() > 0) {
            throw ApiException.badRequest("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        }
        int ncpu = Runtime.getRuntime().availableProcessors();
        if (hs.nanoCpus() < 0 || hs.nanoCpus() > ncpu * 1_000_000_000L) {
            throw ApiException.badRequest("Range of CPUs is from 0.01 to " + ncpu + ".00, as there are only " + ncpu + " CPUs available");
        }
        if (hs.cpuPeriod() != 0 && (hs.cpuPeriod() < 1000 || hs.cpuPeriod() > 1_000_000)) {
            throw ApiException.badRequest("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (hs.cpuQuota() > 0 && hs.cpuQuota() < 1000) {
            throw ApiException.badRequest("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        }
        if (hs.sysctls() != null) {
            for (String k : hs.sysctls().keySet()) {
                // only namespaced parameters: anything else would change the host
                boolean ns = k.startsWith("net.") || k.startsWith("fs.mqueue.") || k.startsWith("kernel.msg")
                        || k.startsWith("kernel.shm") || k.equals("kernel.sem") || k.equals("kernel.domainname")
                        || k.equals("kernel.hostname");
                if (!ns) {
                    throw ApiException.badRequest("sysctl '" + k + "' is not allowed");
                }
                if (k.startsWith("net.") && hs.effectiveNetworkMode().equals("host")) {
                    throw ApiException.badRequest("sysctl '" + k + "' not allowed in host network namespace");
                }
            }
        }
        if (hs.oomScoreAdj() < -1000 || hs.oomScoreAdj() > 1000) {
            throw ApiException.badRequest("Invalid value " + hs.oomScoreAdj() + ", range for oom score adj is [-1000, 1000]");
        }
        if (hs.shmSize() < 0) {
            throw ApiException.badRequest("SHM size can not be less than 0");
        }
        if (hs.ulimits() != null) {
            for (HostSettings.Ulimit u : hs.ulimits()) {
                if (u.name() == null || !ULIMIT_NAMES.contains(u.name())) {
                    throw ApiException.badRequest("invalid ulimit type: " + u.name());
                }
                if (u.soft() > u.hard()) {
                    throw ApiException.badRequest("ulimit soft limit must be less than or equal to hard limit: "
                            + u.soft() + " > " + u.hard());
                }
            }
        }
        return warnings;
    }

    /** Docker's inspect shows the values the daemon chose, not the zeros the client sent. */
    void fillDefaults(ObjectNode h, HostSettings hs) {
        h.put("NetworkMode", hs.effectiveNetworkMode());
        if (hs.shmSize() == 0) {
            h.put("ShmSize", defaultShmSize);
        }
        if (!h.hasNonNull("LogConfig")) {
            ObjectNode lc = h.putObject("LogConfig");
            lc.put("Type", "k8s-file");
            lc.putObject("Config");
        }
        if (!h.hasNonNull("RestartPolicy")) {
            ObjectNode rp = h.putObject("RestartPolicy");
            rp.put("Name", "no");
            rp.put("MaximumRetryCount", 0);
        }
        if (hs.memory() > 0 && hs.memorySwap() == 0) {
            h.put("MemorySwap", 2 * hs.memory());
        }
        for (String f : List.of("CapAdd", "CapDrop", "Binds", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "Ulimits")) {
            if (!h.has(f)) {
                h.putNull(f);
            }
        }
        for (String f : List.of("Privileged", "ReadonlyRootfs", "AutoRemove", "PublishAllPorts")) {
            if (!h.has(f)) {
                h.put(f, false);
            }
        }
        for (String f : List.of("Memory", "NanoCpus", "CpuShares", "CpuPeriod", "CpuQuota")) {
            if (!h.has(f)) {
                h.put(f, 0);
            }
        }
        if (!h.has("MaskedPaths") && !hs.privileged()) {
            h.set("MaskedPaths", json.mapper().valueToTree(Confinement.MASKED_PATHS));
            h.set("ReadonlyPaths", json.mapper().valueToTree(Confinement.READONLY_PATHS));
        }
    }
}
