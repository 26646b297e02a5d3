package dev.berth.daemon.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Starts exec'd processes with {@code berth-nsexec} (built from src/main/c with berthd) where runc would run
 * {@code runc exec}: the same process spec and the same container, read from runc's own state (namespaces,
 * cgroups, keyring), and runc's own compiled seccomp filter, taken once from the container's init. runc is a Go
 * program started twice per exec and compiles the profile each time (~20 ms); the helper takes ~1 ms.
 *
 * <p>Whatever it cannot do exactly as runc would (a terminal, an SELinux label, a state it does not know, a filter
 * it cannot read), {@link #start} declines with null and the caller runs runc.
 */
public final class NsExec {
    private static final Logger LOG = Logger.getLogger(NsExec.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** runc's setns order: the user namespace first (it decides what the others allow), the mount namespace last. */
    private static final List<String> ORDER = List.of("NEWUSER", "NEWIPC", "NEWUTS", "NEWNET", "NEWPID", "NEWCGROUP", "NEWTIME", "NEWNS");
    private static final Map<String, String> NS_NAMES = Map.of("NEWUSER", "user", "NEWIPC", "ipc", "NEWUTS", "uts", "NEWNET", "net",
            "NEWPID", "pid", "NEWCGROUP", "cgroup", "NEWTIME", "time", "NEWNS", "mnt");
    private static final List<String> RLIMITS = List.of("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
            "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
            "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");
    /** berth-nsexec dump-seccomp's status for a process without a filter. */
    private static final int NO_FILTER = 3;

    private final Path helper;
    private final Path runcRoot;

    NsExec(Path helper, Path runcRoot) {
        this.helper = helper;
        this.runcRoot = runcRoot;
    }

    /**
     * The helper next to berthd's jar (or its classes), or the one system property {@code berth.nsexec} names;
     * null when there is none or the property is {@code off}.
     */
    static NsExec find(Path runcRoot) {
        String prop = System.getProperty("berth.nsexec");
        if ("off".equals(prop)) {
            return null;
        }
        Path p = prop != null && !prop.isEmpty() ? Path.of(prop) : besideCode();
        if (p == null) {
            return null;
        }
        if (!Files.isExecutable(p)) {
            LOG.info("berth-nsexec not found at " + p + ": execs go through runc exec");
            return null;
        }
        try {
            // run from a sealed copy made once: the helper would otherwise copy and seal itself at every exec (~1 ms)
            return new NsExec(dev.berth.sys.SealedFile.copyOf(p, "berth-nsexec").path(), runcRoot);
        } catch (IOException e) {
            LOG.fine(() -> "berth-nsexec runs from " + p + " (no sealed copy: " + e.getMessage() + ")");
            return new NsExec(p.toAbsolutePath(), runcRoot);
        }
    }

    /** berth-nsexec beside berthd's jar (or its classes directory), where the build puts it. */
    private static Path besideCode() {
        try {
            return Path.of(NsExec.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolveSibling("berth-nsexec");
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Starts {@code processSpec} (as {@code runc exec --process} takes it) in container {@code id}, its stdio the
     * returned process's pipes and its pid written to {@code pidFile}; errors go to {@code log} as runc writes them.
     * Null when this exec needs runc.
     */
    Process start(String id, Path processSpec, Path log, Path pidFile) throws IOException {
        try {
            return startOrDecline(id, processSpec, log, pidFile);
        } catch (IllegalArgumentException e) {
            LOG.fine(() -> "exec in " + id + " goes through runc: " + e.getMessage());
            return null;
        }
    }

    private Process startOrDecline(String id, Path processSpec, Path log, Path pidFile) throws IOException {
        JsonNode process = JSON.readTree(processSpec.toFile());
        if (process.path("terminal").asBoolean(false) || process.hasNonNull("selinuxLabel")) {
            return null;
        }
        JsonNode state;
        try {
            state = JSON.readTree(runcRoot.resolve(id).resolve("state.json").toFile());
        } catch (IOException e) {
            return null;
        }
        long pid = state.path("init_process_pid").asLong(0);
        long started = state.path("init_process_start").asLong(-1);
        if (!ConmonRuntime.processStarted(pid, started)) {
            return null; // the init runc knew is gone: runc itself says what that means
        }
        JsonNode config = state.path("config");
        // runc takes these from the container when the process spec has none; berthd always writes them, so an
        // exec without them, or with an SELinux label the container sets, is left to runc to work out
        if (!config.path("process_label").asText("").isEmpty() || !process.hasNonNull("capabilities")
                || !process.hasNonNull("noNewPrivileges") || !process.path("rlimits").isArray()) {
            return null;
        }
        Spec s = new Spec();
        // the helper checks it again once it holds the namespaces, so a pid reused meanwhile is not joined
        s.put("init", pid + ":" + started);
        Path spec = processSpec.resolveSibling(processSpec.getFileName() + ".nsexec");
        JsonNode joined = config.path("namespaces");
        for (String type : ORDER) {
            for (JsonNode ns : joined) {
                if (ns.path("type").asText().equals(type)) {
                    String path = state.path("namespace_paths").path(type).asText("");
                    if (path.isEmpty()) {
                        return null;
                    }
                    s.put("ns", NS_NAMES.get(type) + ":" + path);
                }
            }
        }
        // runc names the v2 (unified) hierarchy "": the child is born there; a v1 one's tasks file takes the
        // child's one thread, which cgroup.procs would move only after an RCU grace period (see berth-nsexec.c)
        for (var paths = state.path("cgroup_paths").fields(); paths.hasNext(); ) {
            var e = paths.next();
            if (e.getKey().isEmpty()) {
                s.put("cgroup2", e.getValue().asText());
            } else {
                s.put("cgroup", e.getValue().asText() + "/tasks");
            }
        }
        if (!config.path("no_new_keyring").asBoolean(false)) {
            s.put("keyring", "_ses." + id);
        }
        if (config.hasNonNull("seccomp")) {
            Path filter = filter(pid, started, processSpec.getParent());
            if (filter == null) {
                return null;
            }
            s.put("seccomp", filter.toString());
        }
        JsonNode user = process.path("user");
        s.put("uid", Long.toString(user.path("uid").asLong()));
        s.put("gid", Long.toString(user.path("gid").asLong()));
        StringBuilder groups = new StringBuilder();
        for (JsonNode g : user.path("additionalGids")) {
            groups.append(groups.isEmpty() ? "" : ",").append(g.asLong());
        }
        s.put("groups", groups.toString());
        s.put("cwd", process.path("cwd").asText("/"));
        JsonNode caps = process.path("capabilities");
        for (String set : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
            s.put("cap." + set, Long.toHexString(mask(caps.path(set))));
        }
        s.put("nnp", process.path("noNewPrivileges").asBoolean(false) ? "1" : "0");
        for (JsonNode r : process.path("rlimits")) {
            int type = RLIMITS.indexOf(r.path("type").asText());
            if (type < 0) {
                throw new IllegalArgumentException("unknown rlimit " + r.path("type").asText());
            }
            s.put("rlimit", type + ":" + Long.toUnsignedString(r.path("soft").asLong()) + ":" + Long.toUnsignedString(r.path("hard").asLong()));
        }
        if (process.hasNonNull("oomScoreAdj")) {
            s.put("oom", Integer.toString(process.path("oomScoreAdj").asInt()));
        }
        // runc's rule: the process's profile, else the container's
        String apparmor = process.path("apparmorProfile").asText("");
        if (apparmor.isEmpty()) {
            apparmor = config.path("apparmor_profile").asText("");
        }
        if (!apparmor.isEmpty()) {
            s.put("apparmor", apparmor);
        }
        for (JsonNode e : process.path("env")) {
            s.put("env", e.asText());
        }
        for (JsonNode a : process.path("args")) {
            s.put("arg", a.asText());
        }
        s.put("log", log.toString());
        s.put("pidfile", pidFile.toString());
        Files.write(spec, s.bytes());
        ProcessBuilder pb = new ProcessBuilder(helper.toString(), "exec", spec.toString());
        pb.environment().clear(); // the process's environment is in the spec; none of berthd's reaches the helper
        Process p = pb.start();
        p.onExit().thenRun(() -> {
            try {
                Files.deleteIfExists(spec);
            } catch (IOException ignored) {
                // removed with the bundle
            }
        });
        return p;
    }

    /**
     * runc's compiled seccomp filter of the container whose init is {@code pid}, kept in {@code dir} for the
     * init's lifetime; null when it cannot be read (then runc must do the exec, or the process would run unconfined).
     * One at a time: a second ptrace of the same init would fail, and reading one is needed once per container start.
     */
    private synchronized Path filter(long pid, long started, Path dir) throws IOException {
        String name = "seccomp-" + pid + "-" + started + ".bpf";
        Path file = dir.resolve(name);
        if (Files.exists(file)) {
            return file;
        }
        Path tmp = Files.createTempFile(dir, ".seccomp-", ".tmp");
        try {
            Process dump = new ProcessBuilder(helper.toString(), "dump-seccomp", Long.toString(pid))
                    .redirectOutput(tmp.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
            String err = new String(dump.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int status;
            try {
                status = dump.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
            if (status == 0 && !ConmonRuntime.processStarted(pid, started)) {
                return null; // the init died while it was read: what was read may be another process's
            }
            if (status != 0 || Files.size(tmp) == 0) {
                LOG.fine(() -> "no seccomp filter read from " + pid + " (status " + status + (status == NO_FILTER ? ", none" : "") + "): "
                        + err + "; exec goes through runc");
                return null;
            }
            // an earlier init's filter (the container restarted) is no one's any more
            try (var old = Files.newDirectoryStream(dir, "seccomp-*.bpf")) {
                for (Path o : old) {
                    Files.deleteIfExists(o);
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The set as a bit mask; a name this daemon does not know makes the exec runc's, which fails or knows it. */
    private static long mask(JsonNode names) {
        long m = 0;
        for (JsonNode n : names) {
            int bit = Capabilities.NAMES.indexOf(n.asText());
            if (bit < 0) {
                throw new IllegalArgumentException("unknown capability " + n.asText());
            }
            m |= 1L << bit;
        }
        return m;
    }

    /** berth-nsexec's spec: NUL-terminated keys and values. */
    private static final class Spec {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void put(String key, String value) {
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(key + " contains a NUL byte");
            }
            out.writeBytes(key.getBytes(StandardCharsets.UTF_8));
            out.write(0);
            out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
