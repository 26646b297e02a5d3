package dev.berth.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** berthd's entry point: parses flags and the config file, then runs the {@link Daemon}. */
@Command(name = "berthd", mixinStandardHelpOptions = true, version = "berthd " + BerthVersion.VERSION,
        description = "Berth's container engine daemon: serves the Docker Engine API.")
public final class Berthd implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(Berthd.class.getName());

    @Option(names = "--config-file", description = "JSON config file (docker's daemon.json names)")
    Path configFile;
    @Option(names = "--data-root", description = "Root of persistent state (default /var/lib/berth)")
    Path dataRoot;
    @Option(names = "--exec-root", description = "Root of runtime state (default /run/berth)")
    Path execRoot;
    @Option(names = {"-H", "--host"}, description = "Listen address: unix:///path or tcp://host:port (repeatable)")
    List<String> hosts;
    @Option(names = {"-p", "--pidfile"}, description = "Write the daemon's PID here")
    Path pidFile;
    @Option(names = {"-l", "--log-level"}, description = "debug, info, warn, error, fatal")
    String logLevel;
    @Option(names = "--runtime", description = "Path to the OCI runtime (default: runc on PATH)")
    String runtime;
    @Option(names = "--conmon", description = "Path to conmon (default: conmon on PATH)")
    String conmon;
    @Option(names = "--cgroup-parent", description = "Parent cgroup for containers (default berth)")
    String cgroupParent;
    @Option(names = "--log-opt", description = "Default container log options: max-size=10m, max-file=3")
    Map<String, String> logOpts;
    @Option(names = "--registry-mirror", description = "Preferred Docker registry mirror (repeatable)")
    List<String> registryMirrors;
    @Option(names = "--insecure-registry", description = "Registry (host[:port] or CIDR) allowed over plain HTTP (repeatable)")
    List<String> insecureRegistries;
    @Option(names = "--max-concurrent-downloads", description = "Layers downloaded at once (default 3)")
    Integer maxDownloads;
    @Option(names = "--max-concurrent-uploads", description = "Layers uploaded at once (default 5)")
    Integer maxUploads;
    @Option(names = {"-b", "--bridge"}, description = "Device of the default bridge network (default berth0; none: no default bridge)")
    String bridge;
    @Option(names = "--bip", description = "Address and prefix of the default bridge (default: a free subnet of the pools)")
    String bip;
    @Option(names = "--default-address-pools", description = "Subnets for networks: base=10.10.0.0/16,size=24 (repeatable)")
    List<String> addressPools;
    @Option(names = "--iptables", arity = "0..1", fallbackValue = "true", description = "Manage iptables rules (default true)")
    Boolean iptables;
    @Option(names = "--ip-forward", arity = "0..1", fallbackValue = "true", description = "Enable IPv4 forwarding (default true)")
    Boolean ipForward;
    @Option(names = "--tls", arity = "0..1", fallbackValue = "true", description = "Serve TCP with TLS; implied by --tlsverify")
    Boolean tls;
    @Option(names = "--tlsverify", arity = "0..1", fallbackValue = "true", description = "Serve TCP with TLS and require client certificates signed by --tlscacert")
    Boolean tlsVerify;
    @Option(names = "--tlscacert", description = "Trust client certificates signed only by this CA (default ~/.docker/ca.pem)")
    Path tlsCaCert;
    @Option(names = "--tlscert", description = "Server certificate (default ~/.docker/cert.pem)")
    Path tlsCert;
    @Option(names = "--tlskey", description = "Server key (default ~/.docker/key.pem)")
    Path tlsKey;
    @Option(names = "--insecure-tcp", arity = "0..1", fallbackValue = "true", description = "Allow TCP listeners without --tlsverify (anyone who reaches them is root)")
    Boolean insecureTcp;
    @Option(names = {"-G", "--group"}, description = "Group for the unix socket (default berth, when it exists)")
    String group;
    @Option(names = "--seccomp-profile", description = "Default seccomp profile of containers: builtin, unconfined or a JSON file (default builtin)")
    String seccompProfile;
    @Option(names = "--no-new-privileges", arity = "0..1", fallbackValue = "true", description = "Containers cannot gain privileges by default")
    Boolean noNewPrivileges;
    @Option(names = "--userns-remap", description = "Run containers in a user namespace: default, user[:group] or uid[:gid] with ranges in /etc/subuid and /etc/subgid")
    String usernsRemap;
    @Option(names = "--registry-certs-dir", description = "Per-registry CA certificates, <dir>/<host:port>/*.crt (default /etc/berth/certs.d)")
    Path registryCertsDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Berthd()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        DaemonConfig config;
        try {
            config = resolve();
        } catch (IllegalArgumentException e) {
            System.err.println("berthd: " + e.getMessage());
            return 1;
        }
        configureLogging(config.logLevel());
        Daemon daemon = new Daemon(config);
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "berthd-shutdown"));
        try {
            daemon.start();
        } catch (Exception e) {
            LOG.log(Level.FINE, "start failed", e);
            System.err.println("berthd: failed to start: " + e.getMessage());
            daemon.close();
            return 1;
        }
        daemon.awaitShutdown();
        return 0;
    }

    /** Flags win over the config file only where the file is silent, as dockerd insists. */
    DaemonConfig resolve() throws IOException {
        JsonNode file = configFile == null ? new ObjectMapper().createObjectNode()
                : new ObjectMapper().readTree(Files.readAllBytes(configFile));
        List<String> conflicts = new ArrayList<>();
        Path data = pick(conflicts, "data-root", dataRoot == null ? null : dataRoot.toString(), file, DaemonConfig.DEFAULT_DATA_ROOT.toString());
        Path exec = pick(conflicts, "exec-root", execRoot == null ? null : execRoot.toString(), file, DaemonConfig.DEFAULT_EXEC_ROOT.toString());
        List<String> listen = hosts;
        if (file.has("hosts")) {
            if (hosts != null) {
                conflicts.add("hosts");
            }
            listen = new ArrayList<>();
            for (JsonNode h : file.get("hosts")) {
                listen.add(h.asText());
            }
        }
        if (listen == null || listen.isEmpty()) {
            listen = List.of("unix://" + Path.of(exec.toString()).resolve("berth.sock"));
        }
        String pid = pickString(conflicts, "pidfile", pidFile == null ? null : pidFile.toString(), file, null);
        String level = pickString(conflicts, "log-level", logLevel, file, "info");
        String rt = pickString(conflicts, "runtime", runtime, file, "runc");
        String cm = pickString(conflicts, "conmon", conmon, file, "conmon");
        String cg = pickString(conflicts, "cgroup-parent", cgroupParent, file, "berth");
        Map<String, String> opts = new LinkedHashMap<>();
        if (file.has("log-opts")) {
            file.get("log-opts").properties().forEach(e -> opts.put(e.getKey(), e.getValue().asText()));
            if (logOpts != null) {
                conflicts.add("log-opts");
            }
        } else if (logOpts != null) {
            opts.putAll(logOpts);
        }
        var registry = registryOptions(file, conflicts);
        var access = dev.berth.daemon.security.ApiAccess.resolve(file, tls, tlsVerify, tlsCaCert, tlsCert, tlsKey,
                insecureTcp, group, conflicts);
        var containerDefaults = dev.berth.daemon.security.ContainerDefaults.resolve(file, seccompProfile, noNewPrivileges,
                conflicts);
        var userns = dev.berth.daemon.security.UsernsRemap.resolve(file, usernsRemap, conflicts);
        if (!conflicts.isEmpty()) {
            throw new IllegalArgumentException("the following directives are specified both as a flag and in the configuration file: "
                    + String.join(", ", conflicts));
        }
        long maxSize = Units.parseBytes(opts.getOrDefault("max-size", "10m"));
        int maxFiles = Integer.parseInt(opts.getOrDefault("max-file", "3"));
        if (maxFiles < 1) {
            throw new IllegalArgumentException("max-file must be at least 1");
        }
        long shm = Units.parseBytes(file.has("default-shm-size") ? file.get("default-shm-size").asText() : "64m");
        Map<String, long[]> ulimits = new LinkedHashMap<>();
        if (file.has("default-ulimits")) {
            file.get("default-ulimits").properties().forEach(e -> ulimits.put(e.getKey(),
                    new long[] {e.getValue().path("Soft").asLong(), e.getValue().path("Hard").asLong()}));
        }
        access.check(listen); // before anything starts: a refused TCP listener is a configuration error
        if (userns != null) {
            data = userns.root(data.toAbsolutePath()); // as dockerd: all state for this mapping in <data-root>/<uid>.<gid>
        }
        return new DaemonConfig(data.toAbsolutePath(), exec.toAbsolutePath(), List.copyOf(listen),
                pid == null ? null : Path.of(pid).toAbsolutePath(), level, rt, cm, cg, maxSize, maxFiles, shm, Map.copyOf(ulimits),
                registry,
                dev.berth.daemon.network.NetworkFlags.resolve(file, bridge, bip, addressPools, iptables, ipForward),
                new dev.berth.daemon.security.DaemonSecurity(access, containerDefaults, userns));
    }

    private dev.berth.daemon.distribution.RegistryOptions registryOptions(JsonNode file, List<String> conflicts) {
        var d = dev.berth.daemon.distribution.RegistryOptions.defaults();
        List<String> mirrors = stringList(conflicts, "registry-mirrors", registryMirrors, file);
        List<String> insecure = stringList(conflicts, "insecure-registries", insecureRegistries, file);
        int downloads = Integer.parseInt(pickString(conflicts, "max-concurrent-downloads",
                maxDownloads == null ? null : maxDownloads.toString(), file, Integer.toString(d.maxDownloads())));
        int uploads = Integer.parseInt(pickString(conflicts, "max-concurrent-uploads",
                maxUploads == null ? null : maxUploads.toString(), file, Integer.toString(d.maxUploads())));
        Path certs = Path.of(pickString(conflicts, "registry-certs-dir",
                registryCertsDir == null ? null : registryCertsDir.toString(), file, d.certsDir().toString()));
        return new dev.berth.daemon.distribution.RegistryOptions(mirrors, insecure, downloads, uploads, certs.toAbsolutePath());
    }

    private static List<String> stringList(List<String> conflicts, String key, List<String> flag, JsonNode file) {
        if (file.has(key)) {
            if (flag != null) {
                conflicts.add(key);
            }
            List<String> out = new ArrayList<>();
            file.get(key).forEach(v -> out.add(v.asText()));
            return out;
        }
        return flag == null ? List.of() : flag;
    }

    private static Path pick(List<String> conflicts, String key, String flag, JsonNode file, String fallback) {
        return Path.of(pickString(conflicts, key, flag, file, fallback));
    }

    private static String pickString(List<String> conflicts, String key, String flag, JsonNode file, String fallback) {
        if (file.has(key)) {
            if (flag != null) {
                conflicts.add(key);
            }
            return file.get(key).asText();
        }
        return flag != null ? flag : fallback;
    }

    private static void configureLogging(String level) {
        Level l = switch (level.toLowerCase(java.util.Locale.ROOT)) {
            case "debug" -> Level.FINE;
            case "warn", "warning" -> Level.WARNING;
            case "error", "fatal" -> Level.SEVERE;
            default -> Level.INFO;
        };
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler h = new ConsoleHandler();
        h.setFormatter(new SimpleFormatter());
        h.setLevel(l);
        root.addHandler(h);
        root.setLevel(l);
        // The JDK logs every process start at FINE with a stack trace: noise, not diagnosis.
        // The loggers are held here: the JDK keeps only weak references, and a collected logger
        // forgets its level (with a small heap that happens within seconds).
        for (Logger quiet : QUIETED) {
            quiet.setLevel(Level.INFO);
        }
    }

    private static final List<Logger> QUIETED = List.of(Logger.getLogger("io.netty"),
            Logger.getLogger("java.lang.ProcessBuilder"));
}
