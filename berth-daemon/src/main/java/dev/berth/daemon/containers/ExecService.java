package dev.berth.daemon.containers;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.runtime.ConmonRuntime;
import dev.berth.sys.Libc;
import dev.berth.sys.Pty;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns exec sessions ({@code docker exec}): processes started in a running container with
 * {@code runc exec}, in the foreground so their exit status is runc's. With a TTY, runc's stdio
 * is the slave of a pty berthd opens; runc copies between it and the container's own terminal
 * and passes our window size on when it gets SIGWINCH.
 */
public final class ExecService {
    private static final Logger LOG = Logger.getLogger(ExecService.class.getName());

    private final ContainerService containers;
    private final Map<String, Exec> execs = new ConcurrentHashMap<>();
    private volatile BiConsumer<Exec, String> events = (e, action) -> {};

    ExecService(ContainerService containers) {
        this.containers = containers;
    }

    /** What a client asked to run: {@code POST /containers/{id}/exec}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ExecConfig(boolean attachStdin, boolean attachStdout, boolean attachStderr, String detachKeys,
                             boolean tty, List<String> env,
                             @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> cmd,
                             boolean privileged, String user, String workingDir, List<Integer> consoleSize) {}

    /** One process started in a running container. */
    static final class Exec {
        final String id;
        final String containerId;
        final ExecConfig config;
        volatile boolean running;
        volatile Integer exitCode;
        volatile Process process;
        volatile Pty pty;
        volatile Path log;
        volatile Path pidFile;
        volatile long pid;
        volatile int[] size;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        /** System.nanoTime() of start, spec written, runc spawned, runc gone: the FINE log's phases. */
        final long[] marks = new long[4];

        Exec(String id, String containerId, ExecConfig config) {
            this.id = id;
            this.containerId = containerId;
            this.config = config;
            if (config.consoleSize() != null && config.consoleSize().size() == 2) {
                size = new int[] {config.consoleSize().get(0), config.consoleSize().get(1)};
            }
        }

        /** The process's pid on the host, once runc has written it. */
        long pid() {
            if (pid == 0 && pidFile != null) {
                try {
                    String s = Files.readString(pidFile).trim();
                    if (!s.isEmpty()) {
                        pid = Long.parseLong(s);
                    }
                } catch (IOException | NumberFormatException e) {
                    // not written yet
                }
            }
            return pid;
        }
    }

    /** Receives (exec, action) for exec_create, exec_start and exec_die. */
    void onEvent(BiConsumer<Exec, String> listener) {
        this.events = listener;
    }

    String create(String ref, ExecConfig cfg) {
        ContainerService.Ctr c = containers.get(ref);
        if (!c.rec.state().running()) {
            throw ApiException.conflict("container " + c.rec.id() + " is not running");
        }
        if (c.rec.state().paused()) {
            throw ApiException.conflict("container " + c.rec.id() + " is paused, unpause the container before exec");
        }
        if (cfg == null || cfg.cmd() == null || cfg.cmd().isEmpty()) {
            throw ApiException.badRequest("No exec command specified");
        }
        String id = ContainerService.newId();
        Exec e = new Exec(id, c.rec.id(), cfg);
        execs.put(id, e);
        events.accept(e, "exec_create");
        return id;
    }

    Exec get(String execId) {
        Exec e = execs.get(execId);
        if (e == null) {
            throw ApiException.notFound("No such exec instance: " + execId);
        }
        return e;
    }

    /** The container's execs that have not ended, as Docker's {@code ExecIDs} lists them (ended ones stay inspectable). */
    List<String> idsOf(String containerId) {
        return execs.values().stream().filter(e -> e.containerId.equals(containerId) && e.exitCode == null).map(e -> e.id).toList();
    }

    /** Drops one finished session (a health probe's). */
    void drop(String execId) {
        execs.remove(execId);
    }

    /** Drops the sessions of a removed container. */
    void forget(String containerId) {
        execs.values().removeIf(e -> e.containerId.equals(containerId));
    }

    /**
     * Starts the process; its stdio are the returned process's pipes, or {@link Exec#pty} when the
     * exec has a TTY. It does not outlive berthd's interest in it (no conmon).
     */
    Process start(Exec e) throws IOException {
        e.marks[0] = System.nanoTime();
        ContainerService.Ctr c = containers.ctr(e.containerId);
        c.lock.lock();
        try {
            ContainerRecord r = c.rec;
            if (r.state().paused()) {
                throw ApiException.conflict("container " + r.id() + " is paused, unpause the container before exec");
            }
            if (!r.state().running()) {
                throw ApiException.conflict("container " + r.id() + " is not running");
            }
            if (e.running || e.exitCode != null) {
                throw ApiException.conflict("Error: Exec command " + e.id + " has already run");
            }
            Path bundle = containers.paths().bundle(r.id());
            Path processFile = bundle.resolve("exec-" + e.id + ".json");
            int[] size = e.size != null && e.size[0] > 0 && e.size[1] > 0 ? e.size : new int[] {24, 80};
            // runc gives the container's terminal this size before the process starts; it follows our pty's later
            containers.writeExecProcess(r, e.config.cmd(), e.config.env(), e.config.workingDir(), e.config.user(),
                    e.config.tty(), e.config.tty() ? size : null, e.config.privileged(), processFile);
            e.log = bundle.resolve("exec-" + e.id + ".log");
            e.pidFile = bundle.resolve("exec-" + e.id + ".pid");
            e.marks[1] = System.nanoTime();
            File terminal = null;
            if (e.config.tty()) {
                Pty pty = Pty.open();
                pty.resize(size[0], size[1]);
                e.pty = pty;
                terminal = new File(pty.slavePath());
            }
            Process p;
            try {
                p = containers.runtime().exec(r.id(), processFile, e.log, e.pidFile, terminal);
            } catch (IOException ex) {
                if (e.pty != null) {
                    e.pty.close();
                }
                throw ex;
            }
            e.marks[2] = System.nanoTime();
            e.process = p;
            e.running = true;
            events.accept(e, "exec_start");
            p.onExit().thenAccept(done -> finished(e, done.exitValue(), processFile));
            return p;
        } finally {
            c.lock.unlock();
        }
    }

    private void finished(Exec e, int runcStatus, Path processFile) {
        e.marks[3] = System.nanoTime();
        int code = runcStatus;
        if (runcStatus == 255) {
            String failure = ConmonRuntime.execError(e.log);
            if (failure != null) {
                // runc could not start the process: Docker's exit codes
                code = failure.contains("executable file not found") || failure.contains("no such file or directory") ? 127 : 126;
            }
        }
        e.exitCode = code;
        e.running = false;
        events.accept(e, "exec_die");
        e.done.complete(code);
        try {
            Files.deleteIfExists(processFile);
            Files.deleteIfExists(e.pidFile);
        } catch (IOException ignored) {
            // removed with the bundle
        }
    }

    /** Logs (FINE) where a finished exec's time went, up to {@code answered} (System.nanoTime()). */
    static void logTimings(Exec e, long answered) {
        long[] m = e.marks;
        LOG.fine(() -> "exec " + e.id.substring(0, 12) + " ms: spec " + ContainerService.ms(m[0], m[1]) + ", spawn "
                + ContainerService.ms(m[1], m[2]) + ", ran " + ContainerService.ms(m[2], m[3]) + ", answered after "
                + ContainerService.ms(m[3], answered));
    }

    /** The error runc reported when it could not start the process, as Docker words it, or null. */
    static String failure(Exec e) {
        return e.exitCode != null && (e.exitCode == 126 || e.exitCode == 127) && e.log != null ? ConmonRuntime.execError(e.log) : null;
    }

    /** {@code POST /exec/{id}/resize}: remembered before start, applied to the pty after. */
    void resize(String execId, int height, int width) {
        Exec e = get(execId);
        if (!e.config.tty()) {
            return; // as Docker: nothing to resize
        }
        e.size = new int[] {height, width};
        Pty pty = e.pty;
        Process p = e.process;
        if (pty == null || p == null || !e.running) {
            return;
        }
        try {
            pty.resize(height, width);
            Libc.kill(p.pid(), Libc.SIGWINCH); // runc copies our size to the container's terminal
        } catch (IOException ex) {
            LOG.log(Level.FINE, "resizing exec " + execId, ex);
        }
    }
}
