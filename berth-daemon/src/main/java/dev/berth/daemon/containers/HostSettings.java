package dev.berth.daemon.containers;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;

/**
 * The part of a container's {@code HostConfig} berthd acts on, read from what the client sent
 * (the whole HostConfig is kept as sent for inspect).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HostSettings(
        String networkMode,
        boolean autoRemove,
        List<String> capAdd,
        List<String> capDrop,
        boolean privileged,
        boolean readonlyRootfs,
        long shmSize,
        long cpuShares,
        long memory,
        long memorySwap,
        long nanoCpus,
        long cpuPeriod,
        long cpuQuota,
        Long pidsLimit,
        List<Ulimit> ulimits,
        List<Integer> consoleSize,
        List<String> binds,
        List<Object> mounts,
        java.util.Map<String, Object> portBindings,
        List<Object> devices,
        List<String> volumesFrom,
        RestartPolicy restartPolicy,
        List<String> securityOpt,
        List<String> extraHosts,
        List<String> dns,
        List<String> dnsSearch,
        List<String> dnsOptions,
        List<String> groupAdd,
        java.util.Map<String, String> sysctls,
        int oomScoreAdj,
        long memoryReservation,
        String cpusetCpus,
        String cpusetMems,
        int blkioWeight,
        Boolean oomKillDisable,
        java.util.Map<String, String> tmpfs) {

    /** Docker's {@code --security-opt seccomp=unconfined} turns the filter off. */
    public boolean seccompUnconfined() {
        return securityOpt != null && securityOpt.stream().anyMatch(o -> o.equals("seccomp=unconfined") || o.equals("seccomp:unconfined"));
    }

    /** Docker's restart policy: {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RestartPolicy(String name, int maximumRetryCount) {}

    /** One {@code --ulimit}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Ulimit(String name, long soft, long hard) {}

    /** The restart policy's name; {@code no} when none is set. */
    public String restartPolicyName() {
        return restartPolicy == null || restartPolicy.name() == null || restartPolicy.name().isEmpty()
                ? "no" : restartPolicy.name();
    }

    /** Docker's names: empty and {@code default} mean the default network. */
    public String effectiveNetworkMode() {
        return networkMode == null || networkMode.isEmpty() || networkMode.equals("default") ? "bridge" : networkMode;
    }
}
