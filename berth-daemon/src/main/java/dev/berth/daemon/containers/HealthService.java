package dev.berth.daemon.containers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns health checks: while a container with a {@code Healthcheck} runs, a virtual thread runs
 * its test with exec every interval and keeps {@code State.Health} (status, failing streak, the
 * last five results), reporting each change of status as a {@code health_status} event.
 * Health lives in memory: after a berthd restart a running container starts again from "starting".
 */
final class HealthService {
    private static final Logger LOG = Logger.getLogger(HealthService.class.getName());
    static final long DEFAULT_INTERVAL = TimeUnit.SECONDS.toNanos(30);
    static final long DEFAULT_TIMEOUT = TimeUnit.SECONDS.toNanos(30);
    static final int DEFAULT_RETRIES = 3;
    private static final int MAX_LOG = 5;
    private static final int MAX_OUTPUT = 4096;

    private final ContainerService containers;
    private final Map<String, Monitor> monitors = new ConcurrentHashMap<>();

    HealthService(ContainerService containers) {
        this.containers = containers;
    }

    /** The test and timings of a container's health check; null when it has none (or NONE). */
    record Check(List<String> test, long intervalNanos, long timeoutNanos, long startPeriodNanos, long startIntervalNanos,
                 int retries) {
        static Check of(Map<String, Object> hc) {
            if (hc == null) {
                return null;
            }
            Object t = hc.get("Test");
            if (!(t instanceof List<?> l) || l.isEmpty() || "NONE".equals(l.getFirst())) {
                return null;
            }
            List<String> test = l.stream().map(String::valueOf).toList();
            if (!test.getFirst().equals("CMD") && !test.getFirst().equals("CMD-SHELL")) {
                return null;
            }
            return new Check(test, nanos(hc, "Interval", DEFAULT_INTERVAL), nanos(hc, "Timeout", DEFAULT_TIMEOUT),
                    nanos(hc, "StartPeriod", 0), nanos(hc, "StartInterval", TimeUnit.SECONDS.toNanos(5)),
                    hc.get("Retries") instanceof Number n && n.intValue() > 0 ? n.intValue() : DEFAULT_RETRIES);
        }

        private static long nanos(Map<String, Object> hc, String key, long fallback) {
            return hc.get(key) instanceof Number n && n.longValue() > 0 ? n.longValue() : fallback;
        }
    }

    /** One result, as Docker's HealthcheckResult. */
    record Result(Instant start, Instant end, int exitCode, String output) {}

    /** The health of one container run. */
    static final class Monitor {
        final String containerId;
        final Check check;
        final Instant started = Instant.now();
        volatile String status = "starting";
        volatile int failingStreak;
        final ArrayDeque<Result> log = new ArrayDeque<>();
        volatile Thread thread;

        Monitor(String containerId, Check check) {
            this.containerId = containerId;
            this.check = check;
        }
    }

    /**
     * Docker's merge of a container's health check over its image's: the container's test wins,
     * and each timing it leaves at zero comes from the image.
     */
    static Map<String, Object> merge(Map<String, Object> container, Map<String, Object> image) {
        if (container == null || image == null) {
            return container != null ? container : image;
        }
        Map<String, Object> m = new LinkedHashMap<>(container);
        Object test = container.get("Test");
        if (!(test instanceof List<?> l) || l.isEmpty()) {
            m.put("Test", image.get("Test"));
        }
        for (String k : List.of("Interval", "Timeout", "StartPeriod", "StartInterval", "Retries")) {
            if (!(m.get(k) instanceof Number n) || n.longValue() == 0) {
                if (image.get(k) != null) {
                    m.put(k, image.get(k));
                }
            }
        }
        return m;
    }

    /** Wraps {@code downstream} so container starts and exits begin and end monitoring. */
    ContainerEvents observing(ContainerEvents downstream) {
        return new ContainerEvents() {
            @Override
            public void publish(String type, String action, String actorId, Map<String, String> attributes) {
                downstream.publish(type, action, actorId, attributes);
            }

            @Override
            public void container(ContainerRecord r, String action, String... extra) {
                ContainerEvents.super.container(r, action, extra);
                switch (action) {
                    case "start" -> begin(r);
                    case "die", "destroy" -> end(r.id());
                    default -> { }
                }
            }
        };
    }

    /** Starts monitoring a running container (at start, and for containers re-adopted by a new berthd). */
    void begin(ContainerRecord r) {
        Check check = Check.of(r.config().healthcheck());
        if (check == null) {
            return;
        }
        Monitor m = new Monitor(r.id(), check);
        Monitor old = monitors.put(r.id(), m);
        if (old != null && old.thread != null) {
            old.thread.interrupt();
        }
        m.thread = Thread.ofVirtual().name("health-" + r.id().substring(0, 12)).start(() -> loop(m));
    }

    /** Stops probing; the last state stays visible in inspect until the next start. */
    void end(String containerId) {
        Monitor m = monitors.get(containerId);
        if (m != null && m.thread != null) {
            m.thread.interrupt();
        }
    }

    void forget(String containerId) {
        end(containerId);
        monitors.remove(containerId);
    }

    private void loop(Monitor m) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                boolean inStart = Duration.between(m.started, Instant.now()).toNanos() < m.check.startPeriodNanos()
                        && !m.status.equals("healthy");
                long wait = inStart && m.check.startIntervalNanos() < m.check.intervalNanos() ? m.check.startIntervalNanos()
                        : m.check.intervalNanos();
                TimeUnit.NANOSECONDS.sleep(wait);
                ContainerService.Ctr c;
                try {
                    c = containers.ctr(m.containerId);
                } catch (RuntimeException gone) {
                    return;
                }
                if (!c.rec.state().running()) {
                    return;
                }
                if (c.rec.state().paused()) {
                    continue; // Docker skips probes while paused
                }
                Result r = probe(c.rec, m.check);
                if (Thread.currentThread().isInterrupted() || monitors.get(m.containerId) != m) {
                    return; // stopped meanwhile: this result belongs to no run
                }
                record(c.rec, m, r);
            }
        } catch (InterruptedException e) {
            // monitoring ended
        }
    }

    private Result probe(ContainerRecord rec, Check check) throws InterruptedException {
        Instant start = Instant.now();
        List<String> cmd = new ArrayList<>();
        if (check.test().getFirst().equals("CMD-SHELL")) {
            List<String> shell = rec.config().shell() != null && !rec.config().shell().isEmpty() ? rec.config().shell()
                    : List.of("/bin/sh", "-c");
            cmd.addAll(shell);
            cmd.add(String.join(" ", check.test().subList(1, check.test().size())));
        } else {
            cmd.addAll(check.test().subList(1, check.test().size()));
        }
        ExecService execs = containers.execs();
        String execId;
        try {
            execId = execs.create(rec.id(), new ExecService.ExecConfig(false, true, true, null, false, null, cmd, false, null, null, null));
        } catch (RuntimeException e) {
            return new Result(start, Instant.now(), -1, e.getMessage());
        }
        ExecService.Exec e = execs.get(execId);
        try {
            Process p = execs.start(e);
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread o = Thread.ofVirtual().start(() -> collect(p.getInputStream(), out));
            Thread er = Thread.ofVirtual().start(() -> collect(p.getErrorStream(), out));
            Integer code;
            try {
                code = e.done.get(check.timeoutNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException t) {
                p.destroy(); // runc passes the signal on to the probe
                if (!p.waitFor(1, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return new Result(start, Instant.now(), -1,
                        "Health check exceeded timeout (" + Duration.ofNanos(check.timeoutNanos()).toMillis() / 1000.0 + "s)");
            } catch (java.util.concurrent.ExecutionException x) {
                return new Result(start, Instant.now(), -1, String.valueOf(x.getCause()));
            }
            o.join(1000);
            er.join(1000);
            String output;
            synchronized (out) {
                output = out.toString(StandardCharsets.UTF_8);
            }
            String failure = ExecService.failure(e);
            return new Result(start, Instant.now(), code, failure != null ? failure : output);
        } catch (IOException | RuntimeException x) {
            return new Result(start, Instant.now(), -1, x.getMessage());
        } finally {
            execs.drop(execId);
        }
    }

    private static void collect(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    int room = MAX_OUTPUT - out.size();
                    if (room > 0) {
                        out.write(buf, 0, Math.min(room, n));
                    }
                }
            }
        } catch (IOException ignored) {
            // the probe ended
        }
    }

    private void record(ContainerRecord rec, Monitor m, Result r) {
        String before = m.status;
        synchronized (m.log) {
            m.log.addLast(r);
            while (m.log.size() > MAX_LOG) {
                m.log.removeFirst();
            }
        }
        if (r.exitCode() == 0) {
            m.failingStreak = 0;
            m.status = "healthy";
        } else {
            boolean inStart = Duration.between(m.started, r.start()).toNanos() < m.check.startPeriodNanos();
            if (!inStart || before.equals("healthy")) {
                // failures during the start period do not count, unless the container was healthy once
                m.failingStreak++;
                if (m.failingStreak >= m.check.retries()) {
                    m.status = "unhealthy";
                }
            }
        }
        if (!before.equals(m.status)) {
            LOG.log(Level.FINE, () -> "container " + rec.id() + " is " + m.status);
            containers.events().container(rec, "health_status: " + m.status);
        }
    }

    /** {@code State.Health} for inspect, or null when the container has no health check. */
    Map<String, Object> health(ContainerRecord r) {
        Monitor m = monitors.get(r.id());
        if (m == null) {
            return Check.of(r.config().healthcheck()) == null ? null
                    : Map.of("Status", r.state().running() ? "starting" : "unhealthy", "FailingStreak", 0, "Log", List.of());
        }
        List<Map<String, Object>> log = new ArrayList<>();
        synchronized (m.log) {
            for (Result x : m.log) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("Start", x.start().toString());
                e.put("End", x.end().toString());
                e.put("ExitCode", x.exitCode());
                e.put("Output", x.output());
                log.add(e);
            }
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("Status", m.status);
        h.put("FailingStreak", m.failingStreak);
        h.put("Log", log);
        return h;
    }

    /** What {@code docker ps} appends to "Up ...": {@code (healthy)}, {@code (unhealthy)}, {@code (health: starting)}. */
    String psSuffix(ContainerRecord r) {
        if (!r.state().running() || r.state().paused()) {
            return "";
        }
        Map<String, Object> h = health(r);
        if (h == null) {
            return "";
        }
        String s = (String) h.get("Status");
        return s.equals("starting") ? " (health: starting)" : " (" + s + ")";
    }
}
