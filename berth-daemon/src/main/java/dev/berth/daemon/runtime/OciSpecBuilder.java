package dev.berth.daemon.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.berth.daemon.security.AppArmorProfile;
import dev.berth.daemon.security.Confinement;
import dev.berth.daemon.security.Devices;
import dev.berth.daemon.security.HostSecurity;
import dev.berth.daemon.security.UsernsSandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an OCI runtime spec (1.2) {@code config.json} with Docker's defaults: namespaces, mounts,
 * capabilities, masked and read-only paths, device rules, rlimits and cgroup limits.
 * Seccomp, no-new-privileges, LSM labels, masked paths and devices come from the spec's {@link Confinement}.
 */
public final class OciSpecBuilder {
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** The most open files a container gets by default, as dockerd's systemd unit allows. */
    static final long DEFAULT_NOFILE = 1048576;

    /** Shared: a mapper is costly to build and warm up, and one is safe to use from many threads. */
    private static final ObjectWriter WRITER = new ObjectMapper().writer(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, long[]> daemonUlimits;
    private final long[] hostNofile;
    private final boolean swapAccounting;
    private final HostSecurity.Modules lsm;

    /**
     * @param daemonUlimits the daemon's --default-ulimit settings
     */
    public OciSpecBuilder(Map<String, long[]> daemonUlimits) {
        this(daemonUlimits, HostSecurity.modules());
    }

    /** With {@code lsm} instead of this host's security modules (AppArmor, SELinux). */
    public OciSpecBuilder(Map<String, long[]> daemonUlimits, HostSecurity.Modules lsm) {
        this.lsm = lsm;
        this.daemonUlimits = daemonUlimits == null ? Map.of() : daemonUlimits;
        this.hostNofile = hostNofileLimit();
        this.swapAccounting = Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
                || Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
    }

    /** True when memory+swap limits can be set (Docker warns and ignores MemorySwap otherwise). */
    public boolean swapAccounting() {
        return swapAccounting;
    }

    public void write(RuntimeSpec s, Path configJson) throws IOException {
        Path tmp = configJson.resolveSibling(".config.json.tmp");
        WRITER.writeValue(tmp.toFile(), build(s));
        Files.move(tmp, configJson, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes only the spec's process, as {@code runc exec --process} takes it. */
    public void writeProcess(RuntimeSpec s, Path processJson) throws IOException {
        // only the process: building the whole spec would also render the seccomp profile, mounts and cgroups
        WRITER.writeValue(processJson.toFile(), process(s));
    }

    /** The spec as nested maps, in the member order of the OCI schema. */
    public Map<String, Object> build(RuntimeSpec s) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", "1.2.0");
        spec.put("process", process(s));
        spec.put("root", Map.of("path", s.rootfs().toString(), "readonly", s.readonlyRootfs()));
        spec.put("hostname", s.hostname());
        if (s.domainname() != null && !s.domainname().isEmpty()) {
            spec.put("domainname", s.domainname());
        }
        spec.put("mounts", mounts(s));
        // No hook for the loopback: runc brings lo up itself in a network namespace it creates.
        boolean host = "host".equals(s.networkMode());
        spec.put("linux", linux(s, host));
        return spec;
    }

    private Map<String, Object> process(RuntimeSpec s) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("terminal", s.tty());
        if (s.tty()) {
            int[] cs = s.consoleSize() != null && s.consoleSize()[0] > 0 && s.consoleSize()[1] > 0 ? s.consoleSize() : new int[] {24, 80};
            p.put("consoleSize", Map.of("height", cs[0], "width", cs[1]));
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("uid", s.user().uid());
        user.put("gid", s.user().gid());
        if (!s.user().additionalGids().isEmpty()) {
            user.put("additionalGids", s.user().additionalGids());
        }
        p.put("user", user);
        p.put("args", s.args());
        p.put("env", env(s));
        p.put("cwd", s.cwd() == null || s.cwd().isEmpty() ? "/" : s.cwd());
        List<String> caps = Capabilities.effective(s.privileged(), s.capAdd(), s.capDrop());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("bounding", caps);
        c.put("effective", caps);
        c.put("permitted", caps);
        p.put("capabilities", c);
        p.put("rlimits", rlimits(s.ulimits()));
        if (s.tuning() != null && s.tuning().oomScoreAdj() != 0) {
            p.put("oomScoreAdj", s.tuning().oomScoreAdj());
        }
        Confinement conf = confinement(s);
        p.put("noNewPrivileges", conf.opts().noNewPrivileges());
        String named = conf.opts().apparmorProfile();
        String apparmor = s.privileged() ? "unconfined" : named != null ? named : AppArmorProfile.NAME;
        if (lsm.apparmor() && apparmor != null) {
            p.put("apparmorProfile", apparmor); // only where the kernel could apply it: runc fails otherwise
        }
        String label = conf.opts().selinuxProcessLabel();
        if (lsm.selinux() && label != null && !s.privileged()) {
            p.put("selinuxLabel", label);
        }
        return p;
    }

    /** Docker's order: PATH (unless the container sets one), HOSTNAME, TERM with a TTY, then the container's own. */
    static List<String> env(RuntimeSpec s) {
        List<String> env = new ArrayList<>();
        env.add(DEFAULT_PATH);
        env.add("HOSTNAME=" + s.hostname());
        if (s.tty()) {
            env.add("TERM=xterm");
        }
        for (String e : s.env() == null ? List.<String>of() : s.env()) {
            String key = e.contains("=") ? e.substring(0, e.indexOf('=')) : e;
            if (!e.contains("=")) {
                continue; // a bare name means "take it from the client's environment"; the CLI resolves it
            }
            env.removeIf(x -> x.startsWith(key + "="));
            env.add(e);
        }
        return env;
    }

    private List<Map<String, Object>> rlimits(Map<String, long[]> asked) {
        Map<String, long[]> all = new LinkedHashMap<>();
        all.put("nofile", new long[] {DEFAULT_NOFILE, DEFAULT_NOFILE});
        all.putAll(daemonUlimits);
        if (asked != null) {
            all.putAll(asked);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (var e : all.entrySet()) {
            long soft = e.getValue()[0];
            long hard = e.getValue()[1];
            boolean userAsked = asked != null && asked.containsKey(e.getKey());
            if (!userAsked && hostNofile != null && e.getKey().equals("nofile")) {
                // runc cannot raise a limit above the host's hard limit: defaults are capped to it.
                hard = Math.min(hard, hostNofile[1]);
                soft = Math.min(soft, hard);
            }
            out.add(Map.of("type", "RLIMIT_" + e.getKey().toUpperCase(Locale.ROOT), "hard", hard, "soft", soft));
        }
        return out;
    }

    private List<Map<String, Object>> mounts(RuntimeSpec s) {
        List<Map<String, Object>> m = new ArrayList<>();
        m.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        m.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        m.add(mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        if (confinement(s).userns() != null && s.networkMode() != null && s.networkMode().startsWith("/")
                && UsernsSandbox.ownerOf(s.networkMode()) == null) {
            // sysfs can be mounted only by the owner of the network namespace, and this one belongs to the
            // host's user namespace: the host's /sys, read-only, as Podman does then.
            m.add(mount("/sys", "/sys", "bind", List.of("rbind", "rprivate", "nosuid", "noexec", "nodev", "ro")));
        } else {
            m.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", s.privileged() ? "rw" : "ro")));
        }
        m.add(mount("/sys/fs/cgroup", "cgroup", "cgroup",
                List.of("nosuid", "noexec", "nodev", "relatime", s.privileged() ? "rw" : "ro")));
        m.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        long shm = s.shmSize() > 0 ? s.shmSize() : 64L * 1024 * 1024;
        m.add(mount("/dev/shm", "shm", "tmpfs", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + shm)));
        m.add(mount("/etc/resolv.conf", s.resolvConfFile().toString(), "bind", List.of("rbind", "rprivate")));
        m.add(mount("/etc/hostname", s.hostnameFile().toString(), "bind", List.of("rbind", "rprivate")));
        m.add(mount("/etc/hosts", s.hostsFile().toString(), "bind", List.of("rbind", "rprivate")));
        if (s.mounts() != null && !s.mounts().isEmpty()) {
            // the container's own mounts replace a default at the same place (a volume on /dev/shm)
            m.removeIf(d -> s.mounts().stream().anyMatch(u -> u.destination().equals(d.get("destination"))));
            s.mounts().forEach(u -> m.add(mount(u.destination(), u.source(), u.type(), u.options())));
        }
        return m;
    }

    private static Map<String, Object> mount(String dest, String source, String type, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", dest);
        m.put("type", type);
        m.put("source", source);
        m.put("options", options);
        return m;
    }

    /** A new namespace, or the one berthd made for this container; not the host's nor another container's. */
    private static boolean ownNetworkNamespace(RuntimeSpec s, boolean hostNetwork) {
        String mode = s.networkMode();
        return !hostNetwork && (mode == null || !mode.startsWith("/") || mode.endsWith("/" + s.id()));
    }

    private Map<String, Object> linux(RuntimeSpec s, boolean hostNetwork) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("resources", resources(s));
        l.put("cgroupsPath", s.cgroupsPath());
        List<Map<String, Object>> ns = new ArrayList<>();
        for (String t : List.of("mount", "network", "uts", "pid", "ipc")) {
            if (t.equals("network") && hostNetwork) {
                continue;
            }
            if (t.equals("network") && s.networkMode() != null && s.networkMode().startsWith("/")) {
                ns.add(Map.of("type", t, "path", s.networkMode())); // made by berthd's network service
                continue;
            }
            ns.add(Map.of("type", t));
        }
        dev.berth.oci.IdMap userns = confinement(s).userns();
        if (userns != null) {
            // the user namespace that owns the network namespace berthd made, or a new one
            String owner = UsernsSandbox.ownerOf(s.networkMode());
            ns.add(owner == null ? Map.of("type", "user") : Map.of("type", "user", "path", owner));
        }
        l.put("namespaces", ns);
        if (userns != null) {
            l.put("uidMappings", userns.ociUidMappings());
            l.put("gidMappings", userns.ociGidMappings());
        }
        Map<String, String> sysctl = new LinkedHashMap<>();
        if (ownNetworkNamespace(s, hostNetwork)) {
            // as dockerd: low ports and ping sockets need no capability in a network namespace of the
            // container's own (ping sockets not under a user namespace, where the range cannot be mapped)
            if (userns == null) {
                sysctl.put("net.ipv4.ping_group_range", "0 2147483647");
            }
            sysctl.put("net.ipv4.ip_unprivileged_port_start", "0");
        }
        if (s.tuning() != null) {
            sysctl.putAll(s.tuning().sysctls()); // the container's own --sysctl wins
        }
        if (!sysctl.isEmpty()) {
            l.put("sysctl", sysctl);
        }
        Confinement conf = confinement(s);
        if (s.privileged()) {
            l.put("devices", hostDevices());
        } else {
            if (!conf.devices().isEmpty()) {
                l.put("devices", conf.devices().stream().map(d -> deviceNode(d.node())).toList());
            }
            if (!conf.maskedPaths().isEmpty()) {
                l.put("maskedPaths", conf.maskedPaths());
            }
            if (!conf.readonlyPaths().isEmpty()) {
                l.put("readonlyPaths", conf.readonlyPaths());
            }
        }
        if (s.seccomp() && !s.privileged() && conf.opts().seccomp() != null) {
            l.put("seccomp", conf.opts().seccomp().toOci(Capabilities.effective(false, s.capAdd(), s.capDrop())));
        }
        return l;
    }

    private static Confinement confinement(RuntimeSpec s) {
        return s.confinement() == null ? Confinement.DEFAULT : s.confinement();
    }

    private static Map<String, Object> deviceNode(Devices.Node n) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("path", n.path());
        d.put("type", n.type());
        d.put("major", n.major());
        d.put("minor", n.minor());
        d.put("fileMode", n.fileMode());
        d.put("uid", n.uid());
        d.put("gid", n.gid());
        return d;
    }

    private Map<String, Object> resources(RuntimeSpec s) {
        Map<String, Object> r = new LinkedHashMap<>();
        List<Map<String, Object>> dev = new ArrayList<>();
        if (s.privileged()) {
            dev.add(devRule(true, null, -1, -1, "rwm"));
        } else {
            dev.add(devRule(false, null, -1, -1, "rwm"));
            dev.add(devRule(true, "c", -1, -1, "m"));
            dev.add(devRule(true, "b", -1, -1, "m"));
            for (long[] d : new long[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}, {10, 200}}) {
                dev.add(devRule(true, "c", d[0], d[1], "rwm"));
            }
            Confinement conf = confinement(s);
            conf.devices().forEach(m -> dev.add(devRule(m.rule())));
            conf.deviceRules().forEach(rule -> dev.add(devRule(rule)));
        }
        r.put("devices", dev);
        RuntimeSpec.Resources res = s.resources() == null ? RuntimeSpec.Resources.NONE : s.resources();
        Map<String, Object> mem = new LinkedHashMap<>();
        if (res.memory() > 0) {
            mem.put("limit", res.memory());
            if (swapAccounting) {
                long swap = res.memorySwap() == 0 ? 2 * res.memory() : res.memorySwap();
                mem.put("swap", swap);
            }
        }
        if (res.memoryReservation() > 0) {
            mem.put("reservation", res.memoryReservation());
        }
        if (res.oomKillDisable()) {
            mem.put("disableOOMKiller", true);
        }
        if (!mem.isEmpty()) {
            r.put("memory", mem);
        }
        if (res.blkioWeight() > 0) {
            r.put("blockIO", Map.of("weight", res.blkioWeight()));
        }
        Map<String, Object> cpu = new LinkedHashMap<>();
        if (res.cpuShares() > 0) {
            cpu.put("shares", res.cpuShares());
        }
        if (res.nanoCpus() > 0) {
            long period = 100_000;
            cpu.put("quota", res.nanoCpus() * period / 1_000_000_000L);
            cpu.put("period", period);
        } else {
            if (res.cpuQuota() != 0) {
                cpu.put("quota", res.cpuQuota());
            }
            if (res.cpuPeriod() > 0) {
                cpu.put("period", res.cpuPeriod());
            }
        }
        if (res.cpusetCpus() != null && !res.cpusetCpus().isEmpty()) {
            cpu.put("cpus", res.cpusetCpus());
        }
        if (res.cpusetMems() != null && !res.cpusetMems().isEmpty()) {
            cpu.put("mems", res.cpusetMems());
        }
        if (!cpu.isEmpty()) {
            r.put("cpu", cpu);
        }
        if (res.pidsLimit() > 0) {
            r.put("pids", Map.of("limit", res.pidsLimit()));
        }
        return r;
    }

    private static Map<String, Object> devRule(Devices.Rule r) {
        return devRule(r.allow(), r.type(), r.major(), r.minor(), r.access());
    }

    private static Map<String, Object> devRule(boolean allow, String type, long major, long minor, String access) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("allow", allow);
        if (type != null) {
            d.put("type", type);
        }
        if (major >= 0) {
            d.put("major", major);
        }
        if (minor >= 0) {
            d.put("minor", minor);
        }
        d.put("access", access);
        return d;
    }

    /** Every device node under the host's /dev, for privileged containers. */
    private static List<Map<String, Object>> hostDevices() {
        List<Map<String, Object>> out = new ArrayList<>();
        try (var walk = Files.walk(Path.of("/dev"))) {
            for (Path p : walk.toList()) {
                String ps = p.toString();
                if (ps.startsWith("/dev/pts") || ps.startsWith("/dev/shm") || ps.startsWith("/dev/mqueue")
                        || ps.equals("/dev/console") || ps.equals("/dev/ptmx")) {
                    continue;
                }
                Devices.Node n = Devices.stat(p, ps);
                if (n != null) {
                    out.add(deviceNode(n));
                }
            }
        } catch (IOException e) {
            // no /dev walk: the container gets runc's default devices only
        }
        return out;
    }

    /** The daemon's own RLIMIT_NOFILE {soft, hard}, from /proc/self/limits. */
    static long[] hostNofileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return new long[] {parseLimit(f[0]), parseLimit(f[1])};
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: no cap
        }
        return null;
    }

    private static long parseLimit(String s) {
        return s.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(s);
    }
}
