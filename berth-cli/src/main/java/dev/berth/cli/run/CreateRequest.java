package dev.berth.cli.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.format.HumanUnits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The body of POST /containers/create exactly as the docker CLI 28 builds it from run/create
 * flags: Go's zero values included, field order kept, so the daemon sees the same request.
 */
public final class CreateRequest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** What the flags mean beyond the body: whether to attach which streams. */
    public record Attach(boolean stdin, boolean stdout, boolean stderr) {}

    private CreateRequest() {}

    /** A flag value docker rejects; the message is docker's. */
    /** docker's --health-* and --no-healthcheck: Config.Healthcheck, with its messages. */
    private static void healthcheck(ContainerOptions o, ObjectNode c) {
        boolean any = (o.healthCmd != null && !o.healthCmd.isEmpty()) || o.healthInterval != 0 || o.healthTimeout != 0
                || o.healthStartPeriod != 0 || o.healthRetries != 0 || o.healthStartInterval != 0;
        if (o.noHealthcheck) {
            if (any) {
                throw new InvalidFlagException("--no-healthcheck conflicts with --health-* options");
            }
            c.putObject("Healthcheck").putArray("Test").add("NONE");
            return;
        }
        if (!any) {
            return;
        }
        String[][] negative = {{"interval", Long.toString(o.healthInterval)}, {"timeout", Long.toString(o.healthTimeout)},
                {"retries", Long.toString(o.healthRetries)}, {"start-period", Long.toString(o.healthStartPeriod)},
                {"start-interval", Long.toString(o.healthStartInterval)}};
        for (String[] n : negative) {
            if (Long.parseLong(n[1]) < 0) {
                throw new InvalidFlagException("--health-" + n[0] + " cannot be negative");
            }
        }
        ObjectNode h = c.putObject("Healthcheck");
        if (o.healthCmd != null && !o.healthCmd.isEmpty()) {
            h.putArray("Test").add("CMD-SHELL").add(o.healthCmd);
        }
        h.put("Interval", o.healthInterval);
        h.put("Timeout", o.healthTimeout);
        h.put("StartPeriod", o.healthStartPeriod);
        h.put("StartInterval", o.healthStartInterval);
        h.put("Retries", o.healthRetries);
    }

    public static final class InvalidFlagException extends RuntimeException {
        public InvalidFlagException(String message) {
            super(message);
        }
    }

    /** The streams docker attaches: -a as given, else stdout and stderr (and stdin with -i) unless detached. */
    public static Attach attach(ContainerOptions o, boolean detach) {
        if (!o.attach.isEmpty()) {
            if (detach) {
                throw new InvalidFlagException("Conflicting options: -a and -d");
            }
            boolean in = false;
            boolean out = false;
            boolean err = false;
            for (String a : o.attach) {
                switch (a.toLowerCase(Locale.ROOT)) {
                    case "stdin" -> in = true;
                    case "stdout" -> out = true;
                    case "stderr" -> err = true;
                    default -> throw new InvalidFlagException("invalid argument \"" + a + "\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR");
                }
            }
            return new Attach(in, out, err);
        }
        if (detach) {
            return new Attach(false, false, false);
        }
        return new Attach(o.interactive, true, true);
    }

    /**
     * Builds the body. {@code env} looks up local variables (for "-e NAME"); {@code consoleSize}
     * is {rows, cols} of the local terminal for -t, or null.
     */
    public static ObjectNode build(ContainerOptions o, boolean detach, String image, List<String> command,
                                   Function<String, String> env, int[] consoleSize) {
        Attach at = attach(o, detach);
        ObjectNode c = F.objectNode();
        c.put("Hostname", o.hostname);
        c.put("Domainname", o.domainname);
        c.put("User", o.user);
        c.put("AttachStdin", at.stdin());
        c.put("AttachStdout", at.stdout());
        c.put("AttachStderr", at.stderr());
        Map<String, List<Map<String, String>>> bindings = new LinkedHashMap<>();
        LinkedHashSet<String> exposed = new LinkedHashSet<>();
        for (String p : o.publish) {
            parsePublish(p, exposed, bindings);
        }
        for (String e : o.expose) {
            exposed.add(e.contains("/") ? e : e + "/tcp");
        }
        if (!exposed.isEmpty()) {
            ObjectNode ep = c.putObject("ExposedPorts");
            exposed.forEach(p -> ep.putObject(p));
        }
        c.put("Tty", o.tty);
        c.put("OpenStdin", o.interactive);
        c.put("StdinOnce", o.interactive && at.stdin());
        List<String> envList = environment(o, env);
        if (envList.isEmpty()) {
            c.putNull("Env");
        } else {
            strings(c.putArray("Env"), envList);
        }
        if (command.isEmpty()) {
            c.putNull("Cmd");
        } else {
            strings(c.putArray("Cmd"), command);
        }
        c.put("Image", image);
        ObjectNode vols = c.putObject("Volumes");
        List<String> binds = new ArrayList<>();
        for (String v : o.volumes) {
            if (isAnonymousVolume(v)) {
                vols.putObject(v);
            } else {
                binds.add(absoluteBindSource(v));
            }
        }
        c.put("WorkingDir", o.workdir);
        if (o.entrypoint == null) {
            c.putNull("Entrypoint");
        } else {
            c.putArray("Entrypoint").add(o.entrypoint);
        }
        c.putNull("OnBuild");
        ObjectNode labels = c.putObject("Labels");
        labels(o).forEach(labels::put);
        if (o.stopSignal != null && !o.stopSignal.isEmpty()) {
            c.put("StopSignal", o.stopSignal);
        }
        if (o.stopTimeout != null) {
            c.put("StopTimeout", o.stopTimeout);
        }
        healthcheck(o, c);
        c.set("HostConfig", hostConfig(o, binds, bindings, consoleSize));
        ObjectNode endpoints = c.putObject("NetworkingConfig").putObject("EndpointsConfig");
        String net = o.network == null ? "default" : o.network;
        if (!net.equals("host") && !net.equals("none") && !net.startsWith("container:")) {
            ObjectNode ep = emptyEndpoint();
            if (!o.ip.isEmpty()) {
                ep.putObject("IPAMConfig").put("IPv4Address", o.ip);
            }
            if (!o.networkAliases.isEmpty()) {
                strings(ep.putArray("Aliases"), o.networkAliases);
            }
            ep.put("MacAddress", o.macAddress);
            endpoints.set(net, ep);
        }
        return c;
    }

    private static ObjectNode hostConfig(ContainerOptions o, List<String> binds, Map<String, List<Map<String, String>>> bindings, int[] consoleSize) {
        ObjectNode h = F.objectNode();
        stringsOrNull(h, "Binds", binds);
        h.put("ContainerIDFile", "");
        ObjectNode log = h.putObject("LogConfig");
        log.put("Type", o.logDriver);
        ObjectNode logCfg = log.putObject("Config");
        for (String kv : o.logOpts) {
            String[] p = kv.split("=", 2);
            if (p.length != 2) {
                throw new InvalidFlagException("invalid log opt format '" + kv + "'");
            }
            logCfg.put(p[0], p[1]);
        }
        h.put("NetworkMode", o.network == null ? "default" : o.network);
        ObjectNode pb = h.putObject("PortBindings");
        bindings.forEach((port, list) -> {
            ArrayNode a = pb.putArray(port);
            list.forEach(b -> a.addObject().put("HostIp", b.get("HostIp")).put("HostPort", b.get("HostPort")));
        });
        h.set("RestartPolicy", restartPolicy(o.restart));
        h.put("AutoRemove", o.rm);
        h.put("VolumeDriver", "");
        stringsOrNull(h, "VolumesFrom", o.volumesFrom);
        if (!o.mounts.isEmpty()) {
            h.set("Mounts", MountFlag.parseAll(o.mounts));
        }
        ArrayNode cs = h.putArray("ConsoleSize");
        cs.add(consoleSize == null ? 0 : consoleSize[0]).add(consoleSize == null ? 0 : consoleSize[1]);
        stringsOrNull(h, "CapAdd", capabilities(o.capAdd));
        stringsOrNull(h, "CapDrop", capabilities(o.capDrop));
        h.put("CgroupnsMode", "");
        strings(h.putArray("Dns"), o.dns);
        strings(h.putArray("DnsOptions"), o.dnsOptions);
        strings(h.putArray("DnsSearch"), o.dnsSearch);
        stringsOrNull(h, "ExtraHosts", o.addHost);
        stringsOrNull(h, "GroupAdd", o.groupAdd);
        h.put("IpcMode", o.ipc);
        h.put("Cgroup", "");
        h.putNull("Links");
        h.put("OomScoreAdj", o.oomScoreAdj);
        h.put("PidMode", o.pid);
        h.put("Privileged", o.privileged);
        h.put("PublishAllPorts", o.publishAll);
        h.put("ReadonlyRootfs", o.readOnly);
        stringsOrNull(h, "SecurityOpt", SecurityFlags.securityOpts(o.securityOpt));
        if (!o.tmpfs.isEmpty()) {
            ObjectNode t = h.putObject("Tmpfs");
            for (String spec : o.tmpfs) {
                int colon = spec.indexOf(':');
                t.put(colon < 0 ? spec : spec.substring(0, colon), colon < 0 ? "" : spec.substring(colon + 1));
            }
        }
        h.put("UTSMode", o.uts);
        h.put("UsernsMode", o.userns);
        h.put("ShmSize", o.shmSize == null ? 0 : bytes(o.shmSize, "--shm-size"));
        if (!o.sysctls.isEmpty()) {
            ObjectNode s = h.putObject("Sysctls");
            for (String kv : o.sysctls) {
                String[] p = kv.split("=", 2);
                if (p.length != 2) {
                    throw new InvalidFlagException("invalid argument \"" + kv + "\" for \"--sysctl\" flag: sysctl '" + kv + "' is not allowed");
                }
                s.put(p[0], p[1]);
            }
        }
        h.put("Isolation", "");
        h.put("CpuShares", o.cpuShares);
        h.put("Memory", o.memory == null ? 0 : bytes(o.memory, "-m, --memory"));
        h.put("NanoCpus", Math.round(o.cpus * 1e9));
        h.put("CgroupParent", o.cgroupParent);
        h.put("BlkioWeight", 0);
        for (String f : new String[] {"BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"}) {
            h.putArray(f);
        }
        for (String f : new String[] {"CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime"}) {
            h.put(f, 0);
        }
        h.put("CpusetCpus", o.cpusetCpus);
        h.put("CpusetMems", o.cpusetMems);
        h.set("Devices", SecurityFlags.devices(o.device));
        stringsOrNull(h, "DeviceCgroupRules", SecurityFlags.deviceCgroupRules(o.deviceCgroupRule));
        h.putNull("DeviceRequests");
        h.put("MemoryReservation", o.memoryReservation == null ? 0 : bytes(o.memoryReservation, "--memory-reservation"));
        h.put("MemorySwap", o.memorySwap == null ? 0 : o.memorySwap.equals("-1") ? -1 : bytes(o.memorySwap, "--memory-swap"));
        h.put("MemorySwappiness", -1);
        h.put("OomKillDisable", o.oomKillDisable);
        h.put("PidsLimit", o.pidsLimit);
        ArrayNode ul = h.putArray("Ulimits");
        for (String u : o.ulimits) {
            ul.add(ulimit(u));
        }
        h.put("CpuCount", 0);
        h.put("CpuPercent", 0);
        h.put("IOMaximumIOps", 0);
        h.put("IOMaximumBandwidth", 0);
        h.putNull("MaskedPaths");
        h.putNull("ReadonlyPaths");
        if (o.init) {
            h.put("Init", true);
        }
        return h;
    }

    private static ObjectNode emptyEndpoint() {
        ObjectNode e = F.objectNode();
        e.putNull("IPAMConfig");
        e.putNull("Links");
        e.putNull("Aliases");
        e.put("MacAddress", "");
        e.putNull("DriverOpts");
        e.put("GwPriority", 0);
        for (String f : new String[] {"NetworkID", "EndpointID", "Gateway", "IPAddress"}) {
            e.put(f, "");
        }
        e.put("IPPrefixLen", 0);
        e.put("IPv6Gateway", "");
        e.put("GlobalIPv6Address", "");
        e.put("GlobalIPv6PrefixLen", 0);
        e.putNull("DNSNames");
        return e;
    }

    /** {@code --restart} as Docker's RestartPolicy object; docker's messages for bad values. */
    public static ObjectNode restartPolicy(String spec) {
        ObjectNode r = F.objectNode();
        String name = spec == null || spec.isEmpty() ? "no" : spec;
        int retries = 0;
        int colon = name.indexOf(':');
        if (colon >= 0) {
            try {
                retries = Integer.parseInt(name.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new InvalidFlagException("invalid restart policy format: maximum retry count must be an integer");
            }
            name = name.substring(0, colon);
            if (!name.equals("on-failure")) {
                throw new InvalidFlagException("invalid restart policy format: maximum retry count can only be used with 'on-failure'");
            }
        }
        if (!List.of("no", "always", "unless-stopped", "on-failure").contains(name)) {
            throw new InvalidFlagException("invalid restart policy format: unknown policy '" + name + "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        }
        r.put("Name", name);
        r.put("MaximumRetryCount", retries);
        return r;
    }

    /** docker normalises capabilities: upper case, "CAP_" prefix (except ALL), duplicates removed. */
    static List<String> capabilities(List<String> caps) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String c : caps) {
            String u = c.strip().toUpperCase(Locale.ROOT);
            out.add(u.equals("ALL") || u.startsWith("CAP_") ? u : "CAP_" + u);
        }
        return new ArrayList<>(out);
    }

    static ObjectNode ulimit(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new InvalidFlagException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: invalid ulimit argument: " + spec);
        }
        String name = spec.substring(0, eq);
        String[] limits = spec.substring(eq + 1).split(":", 2);
        try {
            long soft = Long.parseLong(limits[0]);
            long hard = limits.length > 1 ? Long.parseLong(limits[1]) : soft;
            if (soft > hard) {
                throw new InvalidFlagException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: ulimit soft limit must be less than or equal to hard limit: " + soft + " > " + hard);
            }
            ObjectNode u = F.objectNode();
            u.put("Name", name);
            u.put("Hard", hard);
            u.put("Soft", soft);
            return u;
        } catch (NumberFormatException e) {
            throw new InvalidFlagException("invalid argument \"" + spec + "\" for \"--ulimit\" flag: invalid ulimit argument: " + spec);
        }
    }

    /** A size flag ({@code 64m}, {@code 1g}) in bytes; docker's message for a bad value. */
    public static long bytes(String value, String flag) {
        try {
            return HumanUnits.parseBytes(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidFlagException("invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + e.getMessage());
        }
    }

    /** --env-file lines first, then -e; "NAME" alone takes the local value and is dropped when unset. */
    public static List<String> environment(ContainerOptions o, Function<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String file : o.envFile) {
            for (String line : readLines(file)) {
                addEnv(out, line, env);
            }
        }
        for (String e : o.env) {
            addEnv(out, e, env);
        }
        return out;
    }

    private static void addEnv(List<String> out, String entry, Function<String, String> env) {
        if (entry.contains("=")) {
            if (entry.startsWith("=")) {
                throw new InvalidFlagException("invalid argument \"" + entry + "\" for \"-e, --env\" flag: variable name is missing");
            }
            out.add(entry);
            return;
        }
        String v = env.apply(entry);
        if (v != null) {
            out.add(entry + "=" + v);
        }
    }

    static Map<String, String> labels(ContainerOptions o) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> all = new ArrayList<>();
        for (String f : o.labelFiles) {
            all.addAll(readLines(f));
        }
        all.addAll(o.labels);
        for (String l : all) {
            int eq = l.indexOf('=');
            out.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        return out;
    }

    private static List<String> readLines(String file) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                String l = line.stripLeading();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    out.add(l);
                }
            }
        } catch (IOException e) {
            throw new InvalidFlagException("open " + file + ": no such file or directory");
        }
        return out;
    }

    /** As docker does, a bind source starting with "." is taken relative to the current directory. */
    private static String absoluteBindSource(String v) {
        if (!v.startsWith(".")) {
            return v;
        }
        int colon = v.indexOf(':');
        return java.nio.file.Path.of(v.substring(0, colon)).toAbsolutePath().normalize() + v.substring(colon);
    }

    /** "-v /data" is an anonymous volume; "src:/dst[:opts]" is a bind or named volume. */
    private static boolean isAnonymousVolume(String v) {
        return !v.contains(":");
    }

    /** [ip:][hostPort:]containerPort[/proto] */
    static void parsePublish(String spec, LinkedHashSet<String> exposed, Map<String, List<Map<String, String>>> bindings) {
        String proto = "tcp";
        String s = spec;
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            proto = s.substring(slash + 1);
            s = s.substring(0, slash);
        }
        String ip = "";
        String hostPort = "";
        String containerPort;
        int last = s.lastIndexOf(':');
        if (last < 0) {
            containerPort = s;
        } else {
            containerPort = s.substring(last + 1);
            String rest = s.substring(0, last);
            int prev = rest.lastIndexOf(':');
            if (prev < 0 || rest.endsWith("]")) {
                if (rest.startsWith("[") || rest.contains(".")) {
                    ip = rest;
                } else {
                    hostPort = rest;
                }
            } else {
                ip = rest.substring(0, prev);
                hostPort = rest.substring(prev + 1);
            }
        }
        if (ip.startsWith("[") && ip.endsWith("]")) {
            ip = ip.substring(1, ip.length() - 1);
        }
        if (!containerPort.matches("\\d+(-\\d+)?")) {
            throw new InvalidFlagException("invalid containerPort: " + containerPort);
        }
        String key = containerPort + "/" + proto;
        exposed.add(key);
        Map<String, String> b = new LinkedHashMap<>();
        b.put("HostIp", ip);
        b.put("HostPort", hostPort);
        bindings.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static void stringsOrNull(ObjectNode o, String field, List<String> values) {
        if (values.isEmpty()) {
            o.putNull(field);
        } else {
            strings(o.putArray(field), values);
        }
    }
}
