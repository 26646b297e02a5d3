package dev.berth.daemon.runtime;

import dev.berth.daemon.security.Confinement;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything {@link OciSpecBuilder} needs to write one container's {@code config.json}: the
 * container's settings after image defaults were merged in, and where its files are.
 *
 * @param env        the container's own environment (image + user); PATH, HOSTNAME and TERM are added
 * @param user       resolved from the image's /etc/passwd and /etc/group
 * @param consoleSize {height, width} of the TTY at start, or null for 24x80
 * @param seccomp    apply the default seccomp filter (off for privileged or {@code seccomp=unconfined})
 * @param networkMode {@code host}, a path of a network namespace to join, or anything else for a new one
 * @param ulimits    name ({@code nofile}) to {soft, hard}; defaults are added for names not given
 * @param cgroupsPath the cgroup the container runs in ({@code /parent/id})
 * @param mounts     volumes, binds and tmpfs mounts of the container, parents before children
 * @param confinement seccomp profile, no-new-privileges, LSM labels, masked/read-only paths, devices
 */
public record RuntimeSpec(
        String id,
        Path rootfs,
        List<String> args,
        List<String> env,
        String cwd,
        UserResolver.User user,
        String hostname,
        String domainname,
        boolean tty,
        int[] consoleSize,
        boolean readonlyRootfs,
        boolean privileged,
        boolean seccomp,
        List<String> capAdd,
        List<String> capDrop,
        String networkMode,
        long shmSize,
        Map<String, long[]> ulimits,
        Resources resources,
        String cgroupsPath,
        Path hostsFile,
        Path hostnameFile,
        Path resolvConfFile,
        Tuning tuning,
        List<Mount> mounts,
        Confinement confinement) {

    /** Without volumes or binds. */
    public RuntimeSpec(String id, Path rootfs, List<String> args, List<String> env, String cwd, UserResolver.User user,
                       String hostname, String domainname, boolean tty, int[] consoleSize, boolean readonlyRootfs,
                       boolean privileged, boolean seccomp, List<String> capAdd, List<String> capDrop, String networkMode,
                       long shmSize, Map<String, long[]> ulimits, Resources resources, String cgroupsPath, Path hostsFile,
                       Path hostnameFile, Path resolvConfFile, Tuning tuning) {
        this(id, rootfs, args, env, cwd, user, hostname, domainname, tty, consoleSize, readonlyRootfs, privileged, seccomp,
                capAdd, capDrop, networkMode, shmSize, ulimits, resources, cgroupsPath, hostsFile, hostnameFile,
                resolvConfFile, tuning, List.of(), Confinement.DEFAULT);
    }

    /** The same spec with {@code m} as the container's own mounts. */
    public RuntimeSpec withMounts(List<Mount> m) {
        return new RuntimeSpec(id, rootfs, args, env, cwd, user, hostname, domainname, tty, consoleSize, readonlyRootfs,
                privileged, seccomp, capAdd, capDrop, networkMode, shmSize, ulimits, resources, cgroupsPath, hostsFile,
                hostnameFile, resolvConfFile, tuning, List.copyOf(m), confinement);
    }

    /** The same spec running {@code a} as the container's process. */
    public RuntimeSpec withArgs(List<String> a) {
        return new RuntimeSpec(id, rootfs, List.copyOf(a), env, cwd, user, hostname, domainname, tty, consoleSize, readonlyRootfs,
                privileged, seccomp, capAdd, capDrop, networkMode, shmSize, ulimits, resources, cgroupsPath, hostsFile,
                hostnameFile, resolvConfFile, tuning, mounts, confinement);
    }

    /** The same spec confined by {@code c} (what the container's HostConfig asks for). */
    public RuntimeSpec withConfinement(Confinement c) {
        return new RuntimeSpec(id, rootfs, args, env, cwd, user, hostname, domainname, tty, consoleSize, readonlyRootfs,
                privileged, seccomp, capAdd, capDrop, networkMode, shmSize, ulimits, resources, cgroupsPath, hostsFile,
                hostnameFile, resolvConfFile, tuning, mounts, c);
    }

    /** One OCI mount: {@code bind} (with {@code rbind}) or {@code tmpfs}. */
    public record Mount(String destination, String type, String source, List<String> options) {}

    /** The same spec with another terminal size (an exec's terminal is the client's size, not the container's). */
    public RuntimeSpec withConsoleSize(int[] size) {
        return new RuntimeSpec(id, rootfs, args, env, cwd, user, hostname, domainname, tty, size, readonlyRootfs, privileged,
                seccomp, capAdd, capDrop, networkMode, shmSize, ulimits, resources, cgroupsPath, hostsFile, hostnameFile,
                resolvConfFile, tuning, mounts, confinement);
    }

    /** Cgroup limits; 0, null or false mean unset, as in Docker's HostConfig. */
    public record Resources(long memory, long memorySwap, long nanoCpus, long cpuShares, long cpuQuota,
                            long cpuPeriod, long pidsLimit, long memoryReservation, String cpusetCpus,
                            String cpusetMems, int blkioWeight, boolean oomKillDisable) {
        public static final Resources NONE = new Resources(0, 0, 0, 0, 0, 0, 0, 0, null, null, 0, false);
    }

    /** Kernel parameters ({@code --sysctl}) and the OOM score adjustment ({@code --oom-score-adj}). */
    public record Tuning(Map<String, String> sysctls, int oomScoreAdj) {
        public static final Tuning NONE = new Tuning(Map.of(), 0);
    }
}
