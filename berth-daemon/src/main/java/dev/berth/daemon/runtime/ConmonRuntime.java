package dev.berth.daemon.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * Drives conmon and runc for one daemon: conmon creates the container (and stays as its parent,
 * holding its stdio, log and exit code), berthd runs {@code runc start}, {@code kill}, {@code pause},
 * {@code resume}, {@code delete}, {@code state} and {@code ps} itself.
 */
public final class ConmonRuntime {
    private static final Logger LOG = Logger.getLogger(ConmonRuntime.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String conmon;
    private final String runc;
    private final Path runcRoot;
    private final Path exitDir;
    private final Path socketDir;
    /** runc's own internals (its state and exec FIFO) are used only when the runtime is runc. */
    private final boolean isRunc;
    /**
     * Each bundle's running conmon, so the housekeeping pass (every container, several times a
     * second) does not re-read {@code conmon.pid}; a handle notices PID reuse by its start time.
     */
    private final Map<Path, ProcessHandle> conmons = new ConcurrentHashMap<>();
    /** What starts execs without a terminal in runc's stead; null when there is no helper. */
    private final NsExec nsExec;
    private DirWatcher dirWatcher;

    /** What conmon needs to create one container. */
    public record CreateOptions(String id, String name, Path bundle, Path logPath, boolean tty, boolean stdin,
                                boolean stdinOnce, long logSizeMax) {}

    /** runc's own account of a container: {@code created}, {@code running}, {@code paused}, {@code stopped}. */
    public record State(String status, long pid) {}

    public ConmonRuntime(String conmon, String runc, Path runcRoot, Path exitDir, Path socketDir) throws IOException {
        this.conmon = onPath(conmon);
        this.runc = onPath(runc);
        this.isRunc = Path.of(this.runc).getFileName().toString().equals("runc");
        this.runcRoot = runcRoot;
        this.exitDir = exitDir;
        this.socketDir = socketDir;
        this.nsExec = isRunc ? NsExec.find(runcRoot) : null;
        Files.createDirectories(runcRoot);
        Files.createDirectories(exitDir);
        Files.createDirectories(socketDir);
    }

    /** conmon insists on an absolute runtime path; names are looked up on PATH as a shell would. */
    static String onPath(String name) {
        if (name.contains("/")) {
            return Path.of(name).toAbsolutePath().toString();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String d : path.split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p.toAbsolutePath().toString();
            }
        }
        return name;
    }

    public Path exitDir() {
        return exitDir;
    }

    public Path exitFile(String id) {
        return exitDir.resolve(id);
    }

    /**
     * conmon serves attach at {@code <bundle>/attach}, which can be longer than a socket address
     * may be (108 bytes); a short symlink under the socket directory reaches it, because connect
     * follows symlinks without that limit.
     */
    public Path attachSocket(String id, Path bundle) throws IOException {
        Path link = socketDir.resolve(id.substring(0, 12));
        Path target = bundle.resolve("attach");
        if (!Files.isSymbolicLink(link) || !Files.readSymbolicLink(link).equals(target)) {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, target);
        }
        return link;
    }

    /** Forgets a removed container: the short link made by {@link #attachSocket} and its conmon's handle. */
    public void forget(String id) throws IOException {
        conmons.keySet().removeIf(b -> b.getFileName().toString().equals(id));
        Files.deleteIfExists(socketDir.resolve(id.substring(0, 12)));
    }

    /**
     * Starts conmon, which runs {@code runc create}; returns once the container exists (its init
     * waits for {@link #start}) or throws with runc's error text.
     */
    public void create(CreateOptions o) throws IOException, InterruptedException {
        Path b = o.bundle();
        conmons.remove(b);
        for (String f : List.of("attach", "ctl", "winsz", "pidfile", "conmon.pid", "runc.log", "oom", "exit")) {
            Files.deleteIfExists(b.resolve(f));
        }
        Files.deleteIfExists(exitFile(o.id()));
        Files.deleteIfExists(exitDir.resolve(o.id() + ".oom"));
        List<String> cmd = new ArrayList<>(List.of(conmon, "--api-version", "1", "-c", o.id(), "-u", o.id().substring(0, 12),
                "-n", o.name(), "-r", runc, "-b", b.toString(), "-p", b.resolve("pidfile").toString(),
                "-P", b.resolve("conmon.pid").toString(), "-l", "k8s-file:" + o.logPath(),
                "--exit-dir", exitDir.toString(), "--persist-dir", b.toString(), "--socket-dir-path", socketDir.toString(), "--full-attach",
                "--runtime-arg", "--root", "--runtime-arg", runcRoot.toString(),
                "--runtime-arg", "--log", "--runtime-arg", b.resolve("runc.log").toString(),
                "--runtime-arg", "--log-format", "--runtime-arg", "json"));
        if (o.tty()) {
            cmd.add("-t");
        }
        if (o.stdin()) {
            cmd.add("-i");
            // As Docker: StdinOnce closes stdin when the client goes, but never a terminal's, or
            // detaching from "docker run -it" would end the shell.
            if (!o.stdinOnce() || o.tty()) {
                cmd.add("--leave-stdin-open");
            }
        }
        if (o.logSizeMax() > 0) {
            cmd.add("--log-size-max");
            cmd.add(Long.toString(o.logSizeMax()));
        }
        // conmon's daemonized half inherits our stdio: a pipe would never reach end of file.
        Path conmonOut = b.resolve("conmon.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(b.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(conmonOut.toFile());
        // Watched before conmon starts, so the pid file's arrival wakes us however soon it comes.
        try (DirWatcher.Watch created = dirWatcher().watch(b)) {
            long t0 = System.nanoTime();
            Process p = pb.start();
            long t1 = System.nanoTime();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new RuntimeError("conmon did not return");
            }
            if (p.exitValue() != 0) {
                throw new RuntimeError("conmon failed: " + Files.readString(conmonOut).trim());
            }
            // conmon detaches before runc create finishes: the container exists once its pid file does,
            // and creation failed if conmon went away without one.
            long t2 = System.nanoTime();
            long deadline = t2 + TimeUnit.SECONDS.toNanos(60);
            Path pidFile = b.resolve("pidfile");
            while (System.nanoTime() < deadline) {
                if (Files.exists(pidFile) && readLong(pidFile) > 0) {
                    long t3 = System.nanoTime();
                    LOG.fine(() -> "conmon spawn " + (t1 - t0) / 1000 + " us, until it detached " + (t2 - t1) / 1000
                            + " us, until the pid file " + (t3 - t2) / 1000 + " us");
                    return;
                }
                long cpid = readLong(b.resolve("conmon.pid"));
                if (cpid > 0 && !alive(cpid)) {
                    if (readLong(pidFile) > 0) {
                        return;
                    }
                    throw new RuntimeError(runcError(b.resolve("runc.log"), "container creation failed"));
                }
                // the pid file's creation wakes us; the timeout only serves to notice a conmon that died
                created.await(20);
            }
        }
        throw new RuntimeError("timed out waiting for the container to be created");
    }

    private synchronized DirWatcher dirWatcher() throws IOException {
        if (dirWatcher == null) {
            dirWatcher = new DirWatcher();
        }
        return dirWatcher;
    }

    /** The last error runc logged, in the form Docker reports: {@code OCI runtime create failed: ...}. */
    private static String runcError(Path log, String fallback) {
        String msg = lastError(log);
        return "OCI runtime create failed: " + (msg == null ? fallback : msg);
    }

    private static String lastError(Path log) {
        String msg = null;
        try {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    try {
                        JsonNode n = MAPPER.readTree(line);
                        if ("error".equals(n.path("level").asText()) || "fatal".equals(n.path("level").asText())) {
                            msg = n.path("msg").asText();
                        }
                    } catch (IOException notJson) {
                        // runc may write plain lines before it sets up its logger
                    }
                }
            }
        } catch (IOException e) {
            // no log: nothing to report
        }
        return msg;
    }

    /**
     * Lets the created container's process run. For runc this is done without starting runc
     * again (a Go program: several milliseconds per start), the way {@code runc start} does it:
     * runc's init waits to open {@code exec.fifo} for writing, then writes one byte and execs the
     * process; a reader of that byte releases it, and removing the FIFO marks the container running.
     * Anything unusual (another runtime, poststart hooks, no FIFO, an init that never writes) goes
     * to {@code runc start}, which also reports the error.
     */
    public void start(String id, Path bundle) throws IOException, InterruptedException {
        if (!releaseInit(id, bundle)) {
            runc("start", id);
        }
    }

    private boolean releaseInit(String id, Path bundle) throws IOException, InterruptedException {
        Path fifo = runcRoot.resolve(id).resolve("exec.fifo");
        if (!isRunc || !Files.exists(fifo) || Files.readString(bundle.resolve("config.json")).contains("\"poststart\"")) {
            return false;
        }
        long pid = containerPid(bundle);
        if (pid <= 0 || !alive(pid)) {
            return false;
        }
        // Read and write: opening never blocks (a read-only open of a FIFO waits for a writer, for
        // ever if init died), and a read that does not come back in time is ended by closing.
        FileChannel ch = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return ch.read(ByteBuffer.allocate(1));
            } catch (IOException e) {
                return -1;
            }
        }, r -> Thread.ofPlatform().daemon().name("exec-fifo").start(r));
        int n;
        try {
            n = read.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // closing ends the read; a byte that arrived meanwhile still counts, or runc start would
            // wait for a write that already happened
            ch.close();
            n = read.join();
        } finally {
            ch.close();
        }
        if (n != 1) {
            return false;
        }
        Files.deleteIfExists(fifo);
        return true;
    }

    /**
     * Runs a process spec in a running container as {@code runc exec} does (through {@link NsExec} when it can);
     * the process's stdio are the returned process's pipes, or the pty slave {@code terminal} when not null, and
     * its exit status is the returned process's. The process's own pid goes to {@code pidFile}.
     */
    public Process exec(String id, Path processSpec, Path log, Path pidFile, java.io.File terminal) throws IOException {
        if (terminal == null && nsExec != null) {
            Process p = nsExec.start(id, processSpec, log, pidFile);
            if (p != null) {
                return p;
            }
        }
        // runc's own errors go to the log, so the process's stderr carries only the process's output
        ProcessBuilder pb = new ProcessBuilder(runc, "--root", runcRoot.toString(), "--log", log.toString(), "--log-format", "json",
                "exec", "--pid-file", pidFile.toString(), "--process", processSpec.toString(), id);
        if (terminal != null) {
            // runc in the foreground copies between its own terminal (this pty's slave) and the container's
            pb.redirectInput(terminal).redirectOutput(ProcessBuilder.Redirect.appendTo(terminal))
                    .redirectError(ProcessBuilder.Redirect.appendTo(terminal));
        }
        return pb.start();
    }

    /** The error runc logged while starting an exec'd process, as Docker words it, or null. */
    public static String execError(Path log) {
        String msg = lastError(log);
        return msg == null ? null : "OCI runtime exec failed: " + msg + ": unknown";
    }

    /** Sends {@code signal} (a name like {@code SIGTERM} or a number) to the container's init. */
    public void kill(String id, String signal) throws IOException, InterruptedException {
        runc("kill", id, signal);
    }

    /** {@code runc update} with resource flags ({@code --memory}, {@code --cpu-quota}, ...) on a running container. */
    public void update(String id, List<String> flags) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("update"));
        args.addAll(flags);
        args.add(id);
        runc(args.toArray(String[]::new));
    }

    public void pause(String id) throws IOException, InterruptedException {
        runc("pause", id);
    }

    public void resume(String id) throws IOException, InterruptedException {
        runc("resume", id);
    }

    /** Removes runc's record of the container (and its cgroup); missing is fine. */
    public void delete(String id) throws InterruptedException {
        // runc keeps each container's state in a directory named by its ID under --root; without
        // one, runc would only answer "does not exist", and a process start costs more than a stat.
        if (!Files.exists(runcRoot.resolve(id))) {
            return;
        }
        try {
            runc("delete", "--force", id);
        } catch (IOException e) {
            if (!e.getMessage().contains("does not exist")) {
                LOG.fine(() -> "runc delete " + id + ": " + e.getMessage());
            }
        }
    }

    /**
     * Cleans up after a container whose init has exited, as {@code runc delete} would: removes its
     * cgroups and runc's state directory. Done here because it needs no runc process; anything
     * but the plain case (init still alive, a shared PID namespace whose other processes runc
     * would kill, poststop hooks, a cgroup still busy) is left to {@code runc delete --force}.
     */
    public void deleteExited(String id) throws InterruptedException {
        if (!removeExited(id)) {
            delete(id);
        }
    }

    private boolean removeExited(String id) {
        Path dir = runcRoot.resolve(id);
        JsonNode st;
        try {
            st = MAPPER.readTree(dir.resolve("state.json").toFile());
        } catch (IOException e) {
            return !Files.exists(dir);
        }
        JsonNode cfg = st.path("config");
        boolean ownPidNs = false;
        for (JsonNode ns : cfg.path("namespaces")) {
            ownPidNs |= "NEWPID".equals(ns.path("type").asText()) && ns.path("path").asText("").isEmpty();
        }
        if (!ownPidNs || !cfg.path("hooks").path("poststop").isEmpty() || !st.path("intel_rdt_path").asText("").isEmpty()
                || processStarted(st.path("init_process_pid").asLong(), st.path("init_process_start").asLong())) {
            return false;
        }
        try {
            for (JsonNode cg : st.path("cgroup_paths")) {
                // rmdir: fails while the cgroup still has processes or children, and then runc decides
                Files.deleteIfExists(Path.of(cg.asText()));
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
            return true;
        } catch (IOException e) {
            LOG.fine(() -> "cleaning up " + id + " without runc: " + e.getMessage());
            return false;
        }
    }

    /** True when process {@code pid} exists and is the one that started at {@code start} (clock ticks since boot). */
    static boolean processStarted(long pid, long start) {
        return pid > 0 && start >= 0 && startTime(pid) == start;
    }

    /** When live process {@code pid} started, in clock ticks since boot, as runc records its init's; -1 when gone or a zombie. */
    static long startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name may hold spaces and parentheses: fields are counted after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return "Z".equals(f[0]) ? -1 : Long.parseLong(f[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** runc's state, or null when runc does not know the container. */
    public State state(String id) throws InterruptedException {
        try {
            String out = runc("state", id);
            JsonNode n = MAPPER.readTree(out);
            return new State(n.path("status").asText(), n.path("pid").asLong());
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code ps} on the host restricted to the container's processes, as {@code docker top} shows it. */
    public String ps(String id, List<String> psArgs) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("ps", id));
        args.addAll(psArgs);
        return runc(args.toArray(String[]::new));
    }

    /** Resizes the container's TTY through conmon's control FIFO. */
    public void resize(Path bundle, int height, int width) throws IOException {
        writeControl(bundle, "1 " + height + " " + width + "\n");
    }

    /** conmon's pid, or 0 when not running. */
    public long conmonPid(Path bundle) {
        ProcessHandle h = conmons.get(bundle);
        if (h == null) {
            long pid = readLong(bundle.resolve("conmon.pid"));
            h = pid > 0 ? ProcessHandle.of(pid).orElse(null) : null;
            if (h == null) {
                return 0;
            }
            conmons.put(bundle, h);
        }
        if (h.isAlive()) {
            return h.pid();
        }
        conmons.remove(bundle, h);
        return 0;
    }

    /** The exit status conmon recorded (128 + signal when killed), or null while it has none. */
    public Integer exitCode(String id) {
        Path f = exitFile(id);
        // most calls find none (housekeeping asks for every running container): no exception for that
        if (!Files.exists(f)) {
            return null;
        }
        try {
            String s = Files.readString(f).trim();
            return s.isEmpty() ? null : Integer.parseInt(s);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** True when conmon saw the container's cgroup OOM-kill it. */
    public boolean oomKilled(String id, Path bundle) {
        return Files.exists(bundle.resolve("oom")) || Files.exists(exitDir.resolve(id + ".oom"));
    }

    /** Forgets a handled exit so the next run starts clean. */
    public void clearExit(String id) throws IOException {
        Files.deleteIfExists(exitFile(id));
        Files.deleteIfExists(exitDir.resolve(id + ".oom"));
    }

    /** How many sockets conmon holds open; each attach connection it accepted adds one. */
    public int conmonSocketCount(Path bundle) {
        long pid = conmonPid(bundle);
        if (pid == 0) {
            return -1;
        }
        int n = 0;
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    /**
     * Waits until conmon has accepted {@code added} more attach connections than it had at
     * {@code baseline}: output written before conmon accepts a connection never reaches it.
     */
    public void awaitAccepted(Path bundle, int baseline, int added) throws InterruptedException {
        if (baseline < 0 || added == 0) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (int polls = 0; System.nanoTime() < deadline; polls++) {
            int n = conmonSocketCount(bundle);
            if (n < 0 || n >= baseline + added) {
                return;
            }
            // conmon accepts as soon as its main loop runs, usually well within a millisecond of
            // runc create's exit; the container's start waits on this, so look often at first
            LockSupport.parkNanos(polls < 40 ? 100_000 : 1_000_000);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        LOG.fine("conmon did not accept the attach connections in time");
    }

    public long containerPid(Path bundle) {
        return readLong(bundle.resolve("pidfile"));
    }

    private void writeControl(Path bundle, String msg) throws IOException {
        Path ctl = bundle.resolve("ctl");
        if (conmonPid(bundle) == 0 || !Files.exists(ctl)) {
            throw new IOException("container monitor is not running");
        }
        // Opening a FIFO for writing blocks until there is a reader; conmon is one, but if it just
        // died we must not hang a thread forever.
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> {
            try (OutputStream out = Files.newOutputStream(ctl, StandardOpenOption.WRITE)) {
                out.write(msg.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, r -> Thread.ofPlatform().daemon().name("conmon-ctl").start(r));
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("cannot write to conmon's control FIFO: " + e.getMessage(), e);
        }
    }

    private String runc(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(runc, "--root", runcRoot.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        }, r -> Thread.ofVirtual().start(r));
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new RuntimeError("runc " + args[0] + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new RuntimeError(runcMessage(new String(err.join(), StandardCharsets.UTF_8)));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** runc's logrus line {@code time=... level=error msg="..."} reduced to the message. */
    static String runcMessage(String stderr) {
        String last = stderr.strip();
        int nl = last.lastIndexOf('\n');
        if (nl >= 0) {
            last = last.substring(nl + 1);
        }
        int m = last.indexOf("msg=\"");
        if (m >= 0) {
            String s = last.substring(m + 5);
            int end = s.lastIndexOf('"');
            return (end >= 0 ? s.substring(0, end) : s).replace("\\\"", "\"");
        }
        return last;
    }

    static long readLong(Path f) {
        try {
            String s = Files.readString(f).trim();
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** A failure reported by conmon or runc; the message is runc's own where there is one. */
    public static final class RuntimeError extends IOException {
        public RuntimeError(String message) {
            super(message);
        }
    }
}
