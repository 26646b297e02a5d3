package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Filters;
import dev.berth.daemon.api.Router;
import dev.berth.daemon.runtime.ContainerLog;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** The Engine API's /containers endpoints, in Docker's shapes. */
public final class ContainerRoutes {
    private static final Set<String> LIST_FILTERS = Set.of("id", "name", "label", "status", "ancestor", "exited",
            "before", "since", "network", "volume", "health", "isolation", "publish", "expose", "is-task");

    private final ContainerService service;

    public ContainerRoutes(ContainerService service) {
        this.service = service;
    }

    public void register(Router r) {
        r.post("/containers/create", this::create);
        r.get("/containers/json", this::list);
        r.post("/containers/prune", this::prune);
        r.get("/containers/{id}/json", this::inspect);
        r.post("/containers/{id}/start", ex -> {
            service.start(ex.pathVar("id"));
            ex.respondEmpty(204);
        });
        r.post("/containers/{id}/stop", ex -> {
            service.stop(ex.pathVar("id"), timeout(ex), ex.query("signal"));
            ex.respondEmpty(204);
        });
        r.post("/containers/{id}/restart", ex -> {
            service.restart(ex.pathVar("id"), timeout(ex), ex.query("signal"));
            ex.respondEmpty(204);
        });
        r.post("/containers/{id}/kill", ex -> {
            service.kill(ex.pathVar("id"), ex.query("signal"));
            ex.respondEmpty(204);
        });
        r.post("/containers/{id}/pause", ex -> {
            service.pause(ex.pathVar("id"));
            ex.respondEmpty(204);
        });
        r.post("/containers/{id}/unpause", ex -> {
            service.unpause(ex.pathVar("id"));
            ex.respondEmpty(204);
        });
        r.post("/containers/{id}/rename", ex -> {
            service.rename(ex.pathVar("id"), ex.query("name"));
            ex.respondEmpty(204);
        });
        r.post("/containers/{id}/resize", ex -> {
            Long h = ex.queryLong("h");
            Long w = ex.queryLong("w");
            if (h == null || w == null || h < 0 || w < 0 || h > 65535 || w > 65535) {
                throw ApiException.badRequest("invalid resize: h and w must be numbers between 0 and 65535");
            }
            service.resize(ex.pathVar("id"), h.intValue(), w.intValue());
            ex.respondEmpty(200);
        });
        r.post("/containers/{id}/wait", this::await);
        r.delete("/containers/{id}", ex -> {
            service.remove(ex.pathVar("id"), ex.queryBool("force", false), ex.queryBool("v", false));
            ex.respondEmpty(204);
        });
        r.get("/containers/{id}/top", this::top);
        r.get("/containers/{id}/logs", this::logs);
        r.get("/containers/{id}/stats", this::stats);
        r.get("/containers/{id}/export", ex -> service.export(ex.pathVar("id"),
                () -> ex.startStream(200, "application/x-tar")));
        r.get("/containers/{id}/changes", ex -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Changes.Change c : service.changes(ex.pathVar("id"))) {
                out.add(Map.of("Path", c.path(), "Kind", c.kind()));
            }
            ex.respondJson(200, out);
        });
        r.post("/containers/{id}/attach", this::attach);
        new ArchiveRoutes(service).register(r);
        UpdateService updates = new UpdateService(service);
        r.post("/containers/{id}/update", ex -> ex.respondJson(200,
                Map.of("Warnings", updates.update(ex.pathVar("id"), ex.json().mapper().readTree(ex.body())))));
    }

    private static Integer timeout(Exchange ex) {
        Long t = ex.queryLong("t");
        if (t == null) {
            t = ex.queryLong("timeout");
        }
        return t == null ? null : t.intValue();
    }

    private void create(Exchange ex) throws Exception {
        byte[] body = ex.body();
        JsonNode node = body.length == 0 ? null : ex.json().readTree(body);
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("config cannot be empty in order to create a container");
        }
        ContainerConfigSpec cfg;
        try {
            cfg = ex.json().mapper().treeToValue(node, ContainerConfigSpec.class);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode hc = node.get("HostConfig");
        ObjectNode host = hc != null && hc.isObject() ? (ObjectNode) hc.deepCopy() : ex.json().mapper().createObjectNode();
        ContainerService.Created c = service.create(ex.query("name"), cfg, host, node.get("NetworkingConfig"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", c.id());
        out.put("Warnings", c.warnings());
        ex.respondJson(201, out);
    }

    // ---- list ----

    private void list(Exchange ex) {
        Filters f = ex.filters().allowOnly(LIST_FILTERS);
        boolean all = ex.queryBool("all", false);
        Long limit = ex.queryLong("limit");
        boolean size = ex.queryBool("size", false);
        List<ContainerRecord> recs = service.list();
        Instant before = f.get("before").isEmpty() ? null : Instant.parse(service.inspect(f.get("before").getFirst()).created());
        Instant since = f.get("since").isEmpty() ? null : Instant.parse(service.inspect(f.get("since").getFirst()).created());
        List<Map<String, Object>> out = new ArrayList<>();
        for (ContainerRecord r : recs) {
            ContainerState s = r.state();
            boolean explicitStatus = f.has("status") || f.has("exited");
            if (!all && (limit == null || limit <= 0) && !explicitStatus && !s.isActive()) {
                continue;
            }
            if (!f.matchesAny("id", v -> r.id().startsWith(v))
                    || !f.matchesAny("name", v -> r.name().contains(v.replaceFirst("^/", "")) || matchesRegex(r.name().substring(1), v))
                    || !f.matchesLabels("label", r.config().labels() == null ? Map.of() : r.config().labels())
                    || !f.matchesAny("status", v -> v.equals(s.status()))
                    || !f.matchesAny("ancestor", v -> v.equals(r.imageRef()) || r.image().equals(v)
                    || r.image().startsWith("sha256:" + v) || r.imageRef().equals(v + ":latest"))
                    || !f.matchesAny("exited", v -> s.status().equals("exited") && v.equals(Integer.toString(s.exitCode())))
                    || !f.matchesAny("volume", v -> service.mounts(r.id()).stream()
                    .anyMatch(m -> m.name().equals(v) || m.destination().equals(v)))
                    || !f.matchesAny("network", v -> service.network().isAttached(r.id(), r.hostConfig(), v))
                    || before != null && !Instant.parse(r.created()).isBefore(before)
                    || since != null && !Instant.parse(r.created()).isAfter(since)) {
                continue;
            }
            out.add(summary(r, size));
            if (limit != null && limit > 0 && out.size() >= limit) {
                break;
            }
        }
        ex.respondJson(200, out);
    }

    private static boolean matchesRegex(String name, String pattern) {
        try {
            return java.util.regex.Pattern.compile(pattern).matcher(name).find();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** One entry of {@code GET /containers/json} (also used by {@code /system/df}). */
    public Map<String, Object> summary(ContainerRecord r, boolean size) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", r.id());
        m.put("Names", List.of(r.name()));
        m.put("Image", r.imageRef());
        m.put("ImageID", r.image());
        m.put("Command", command(r));
        m.put("Created", Instant.parse(r.created()).getEpochSecond());
        m.put("Ports", service.network().portSummary(r.id(), r.config().exposedPorts(), r.state().running()));
        if (size) {
            m.put("SizeRw", service.sizeRw(r));
            m.put("SizeRootFs", service.sizeRootFs(r));
        }
        m.put("Labels", r.config().labels() == null ? Map.of() : r.config().labels());
        m.put("State", r.state().status());
        m.put("Status", status(r.state(), Instant.now()) + service.health().psSuffix(r));
        m.put("HostConfig", Map.of("NetworkMode", r.hostConfig().path("NetworkMode").asText("bridge")));
        m.put("NetworkSettings", Map.of("Networks", service.network().networksSummary(r.id(), r.hostConfig())));
        m.put("Mounts", service.mounts(r.id()).stream().map(dev.berth.daemon.volumes.MountPoint::toApi).toList());
        return m;
    }

    private static String command(ContainerRecord r) {
        List<String> parts = new ArrayList<>();
        parts.add(r.path());
        parts.addAll(r.args());
        return String.join(" ", parts);
    }

    /** Docker's human status: "Up 3 minutes", "Exited (0) 2 seconds ago", "Created". */
    static String status(ContainerState s, Instant now) {
        if (s.running()) {
            String up = "Up " + humanDuration(Duration.between(Instant.parse(s.startedAt()), now));
            return s.paused() ? up + " (Paused)" : up;
        }
        return switch (s.status()) {
            case "created" -> "Created";
            case "dead" -> "Dead";
            case "removing" -> "Removal In Progress";
            case "restarting" -> "Restarting (" + s.exitCode() + ") "
                    + humanDuration(Duration.between(Instant.parse(s.finishedAt()), now)) + " ago";
            default -> s.finishedAt().equals(ContainerState.ZERO_TIME) ? "Exited (" + s.exitCode() + ")"
                    : "Exited (" + s.exitCode() + ") " + humanDuration(Duration.between(Instant.parse(s.finishedAt()), now)) + " ago";
        };
    }

    /** Go's units.HumanDuration, which Docker uses for these strings. */
    static String humanDuration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = d.toMinutes();
        if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = Math.round(d.toMillis() / 3_600_000.0);
        if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        } else if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return hours / 24 / 365 + " years";
    }

    private void prune(Exchange ex) {
        Filters f = ex.filters().allowOnly(Set.of("until", "label", "label!"));
        Instant until = f.has("until") ? parseTime(f.get("until").getFirst()) : null;
        List<String> removed = service.prune(r -> {
            Map<String, String> labels = r.config().labels() == null ? Map.of() : r.config().labels();
            if (!f.matchesLabels("label", labels)) {
                return false;
            }
            for (String neg : f.get("label!")) {
                if (new Filters(Map.of("l", List.of(neg))).matchesLabels("l", labels)) {
                    return false;
                }
            }
            return until == null || Instant.parse(r.created()).isBefore(until);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ContainersDeleted", removed.isEmpty() ? null : removed);
        out.put("SpaceReclaimed", 0);
        ex.respondJson(200, out);
    }

    // ---- inspect ----

    private void inspect(Exchange ex) {
        ContainerRecord r = service.inspect(ex.pathVar("id"));
        boolean size = ex.queryBool("size", false);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", r.id());
        m.put("Created", r.created());
        m.put("Path", r.path());
        m.put("Args", r.args());
        Map<String, Object> health = service.health().health(r);
        if (health == null) {
            m.put("State", r.state());
        } else {
            com.fasterxml.jackson.databind.node.ObjectNode st = ex.json().mapper().valueToTree(r.state());
            st.set("Health", ex.json().mapper().valueToTree(health));
            m.put("State", st);
        }
        m.put("Image", r.image());
        Map<String, String> gd = service.graphDriverData(r);
        String dir = service.paths().dir(r.id()).toString();
        m.put("ResolvConfPath", dir + "/resolv.conf");
        m.put("HostnamePath", dir + "/hostname");
        m.put("HostsPath", dir + "/hosts");
        m.put("LogPath", service.log(r).path().toString());
        m.put("Name", r.name());
        m.put("RestartCount", r.restartCount());
        m.put("Driver", "overlay2");
        m.put("Platform", "linux");
        m.put("MountLabel", "");
        m.put("ProcessLabel", "");
        m.put("AppArmorProfile", "");
        List<String> execIds = service.execs().idsOf(r.id());
        m.put("ExecIDs", execIds.isEmpty() ? null : execIds);
        m.put("HostConfig", r.hostConfig());
        m.put("GraphDriver", Map.of("Data", gd, "Name", "overlay2"));
        if (size) {
            m.put("SizeRw", service.sizeRw(r));
            m.put("SizeRootFs", service.sizeRootFs(r));
        }
        m.put("Mounts", service.mounts(r.id()).stream().map(dev.berth.daemon.volumes.MountPoint::toApi).toList());
        m.put("Config", r.config());
        m.put("NetworkSettings", service.network().settings(r.id(), r.hostConfig(), r.config().exposedPorts(),
                r.state().running()));
        ex.respondJson(200, m);
    }

    // ---- wait ----

    private void await(Exchange ex) throws Exception {
        CompletableFuture<Integer> f = service.waitFor(ex.pathVar("id"), ex.query("condition"));
        // Headers go out at once: the docker CLI waits for them before it starts the container.
        OutputStream out = ex.startStream(200, "application/json");
        ex.onClose(() -> f.cancel(false));
        int code;
        try {
            code = f.get();
        } catch (java.util.concurrent.CancellationException e) {
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("StatusCode", code);
        body.put("Error", null);
        try (out) {
            out.write(ex.json().write(body));
            out.write('\n');
        }
    }

    // ---- top ----

    private void top(Exchange ex) throws Exception {
        String psArgs = ex.query("ps_args", "-ef");
        List<String> args = psArgs.isBlank() ? List.of() : Arrays.asList(psArgs.trim().split("\\s+"));
        String out = service.top(ex.pathVar("id"), args);
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            throw new ApiException(500, "ps returned no output");
        }
        String[] titles = lines.getFirst().trim().split("\\s+");
        List<List<String>> procs = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.trim().split("\\s+", titles.length);
            procs.add(Arrays.asList(f));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Titles", Arrays.asList(titles));
        m.put("Processes", procs);
        ex.respondJson(200, m);
    }

    // ---- logs ----

    private void logs(Exchange ex) throws Exception {
        ContainerService.Ctr c = service.get(ex.pathVar("id"));
        ContainerRecord r = c.rec;
        boolean stdout = ex.queryBool("stdout", false);
        boolean stderr = ex.queryBool("stderr", false);
        if (!stdout && !stderr) {
            throw ApiException.badRequest("Bad parameters: you must choose at least one stream");
        }
        boolean follow = ex.queryBool("follow", false);
        boolean timestamps = ex.queryBool("timestamps", false);
        String tailQ = ex.query("tail", "all");
        long tail;
        if (tailQ.equals("all") || tailQ.isEmpty()) {
            tail = -1;
        } else {
            try {
                tail = Long.parseLong(tailQ);
            } catch (NumberFormatException e) {
                tail = -1; // Docker treats a malformed tail as "all"
            }
        }
        Instant since = ex.hasQuery("since") && !ex.query("since").equals("0") ? parseTime(ex.query("since")) : null;
        Instant until = ex.hasQuery("until") && !ex.query("until").equals("0") ? parseTime(ex.query("until")) : null;
        boolean tty = r.config().tty();
        OutputStream out = ex.startStream(200, tty ? StreamFrames.RAW : StreamFrames.MULTIPLEXED);
        try (out) {
            // the exit wakes the follow at once; a client that leaves is seen at the next check
            CompletableFuture<Integer> stopped = follow ? c.onNextExit() : null;
            // entries go out in blocks, not one write each: a line per write was most of the cost of reading a log
            OutputStream buffered = new BufferedOutputStream(out, 64 * 1024);
            try {
                service.log(r).read(new ContainerLog.Query(stdout, stderr, since, until, tail),
                        follow ? new ContainerLog.Follow(() -> ex.isOpen() && c.rec.state().isActive() && service.isKnown(c), stopped) : null,
                        new ContainerLog.Sink() {
                            @Override
                            public void accept(ContainerLog.Entry e) throws IOException {
                                writeEntry(buffered, tty, timestamps, e);
                            }

                            @Override
                            public void caughtUp() throws IOException {
                                buffered.flush();
                            }
                        });
            } finally {
                if (stopped != null) {
                    stopped.cancel(false); // no longer listed among the container's waiters
                }
            }
        }
    }

    private static void writeEntry(OutputStream out, boolean tty, boolean timestamps, ContainerLog.Entry e) throws IOException {
        byte[] data = e.data();
        if (timestamps) {
            byte[] ts = (rfc3339NanoFixed(e.time()) + " ").getBytes(StandardCharsets.US_ASCII);
            byte[] joined = new byte[ts.length + data.length];
            System.arraycopy(ts, 0, joined, 0, ts.length);
            System.arraycopy(data, 0, joined, ts.length, data.length);
            data = joined;
        }
        StreamFrames.write(out, tty, e.stream(), data, 0, data.length);
    }

    /** Docker's log timestamp: always nine fractional digits, UTC as Z. */
    static String rfc3339NanoFixed(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
                .withZone(java.time.ZoneOffset.UTC).format(t);
    }

    /** Docker's time parameters: unix seconds with optional fraction, or RFC 3339. */
    static Instant parseTime(String v) {
        try {
            if (v.matches("\\d+(\\.\\d+)?")) {
                String[] p = v.split("\\.");
                long nanos = 0;
                if (p.length > 1) {
                    String frac = (p[1] + "000000000").substring(0, 9);
                    nanos = Long.parseLong(frac);
                }
                return Instant.ofEpochSecond(Long.parseLong(p[0]), nanos);
            }
            return java.time.OffsetDateTime.parse(v).toInstant();
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid time value: " + v);
        }
    }

    // ---- stats ----

    /** The CPU sampling window of a single stats answer (stream=false): short, as the docker CLI waits for it. */
    static final long NO_STREAM_WINDOW_MILLIS = 200;

    private void stats(Exchange ex) throws Exception {
        ContainerService.Ctr c = service.get(ex.pathVar("id"));
        boolean stream = ex.queryBool("stream", true);
        boolean oneShot = ex.queryBool("one-shot", false);
        if (oneShot && stream) {
            throw ApiException.badRequest("cannot have stream=true and one-shot=true");
        }
        OutputStream out = ex.startStream(200, "application/json");
        try (out) {
            Map<String, Object> prev = null;
            if (!stream && !oneShot && c.rec.state().running()) {
                // docker stats --no-stream shows CPU % from two samples; dockerd waits for two ticks of
                // its one-second collector, berthd takes them a fifth of a second apart
                prev = statsSample(c);
                Thread.sleep(NO_STREAM_WINDOW_MILLIS);
            }
            do {
                Map<String, Object> s = statsSample(c);
                s.put("precpu_stats", prev == null ? Map.of("cpu_usage", Map.of("total_usage", 0),
                        "throttling_data", Map.of("periods", 0, "throttled_periods", 0, "throttled_time", 0)) : prev.get("cpu_stats"));
                s.put("preread", prev == null ? "0001-01-01T00:00:00Z" : prev.get("read"));
                s.put("name", c.rec.name());
                s.put("id", c.rec.id());
                out.write(ex.json().write(s));
                out.write('\n');
                prev = s;
                if (stream) {
                    Thread.sleep(1000);
                }
            } while (stream && ex.isOpen() && service.isKnown(c) && c.rec.state().running());
        }
    }

    private Map<String, Object> statsSample(ContainerService.Ctr c) {
        return c.rec.state().running()
                ? dev.berth.daemon.runtime.CgroupStats.sample(service.paths().cgroupPath(c.rec))
                : dev.berth.daemon.runtime.CgroupStats.empty();
    }

    // ---- attach ----

    private void attach(Exchange ex) throws Exception {
        ContainerService.Ctr c = service.get(ex.pathVar("id"));
        ContainerRecord r = c.rec;
        boolean stream = ex.queryBool("stream", false);
        boolean logs = ex.queryBool("logs", false);
        boolean stdin = ex.queryBool("stdin", false) && r.config().openStdin();
        boolean stdout = ex.queryBool("stdout", false);
        boolean stderr = ex.queryBool("stderr", false);
        byte[] keys = detachKeys(ex.query("detachKeys", "ctrl-p,ctrl-q"));
        boolean tty = r.config().tty();
        AttachSession s = new AttachSession(tty, stdout, stderr, stdin, keys);
        if (stream) {
            service.attach(c, s); // before the upgrade: the client starts the container once it has it
        }
        Exchange.Hijacked conn = ex.hijack(tty ? StreamFrames.RAW : StreamFrames.MULTIPLEXED);
        conn.channel().closeFuture().addListener(f -> service.detachPending(c, s));
        if (logs && (stdout || stderr)) {
            service.log(r).read(new ContainerLog.Query(stdout, stderr, null, null, -1), null,
                    e -> writeEntry(conn.out(), tty, false, e));
        }
        s.bind(conn);
        if (!stream) {
            s.finish();
        }
    }

    /** Docker's detach key syntax: comma-separated {@code ctrl-<x>} or single characters. */
    static byte[] detachKeys(String spec) {
        if (spec == null || spec.isEmpty()) {
            return new byte[0];
        }
        String[] parts = spec.split(",");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.length() == 1) {
                out[i] = (byte) p.charAt(0);
            } else if (p.startsWith("ctrl-") && p.length() == 6) {
                char ch = Character.toLowerCase(p.charAt(5));
                if (ch >= 'a' && ch <= 'z') {
                    out[i] = (byte) (ch - 'a' + 1);
                } else {
                    int idx = "@[\\]^_".indexOf(ch);
                    if (idx < 0) {
                        throw ApiException.badRequest("Invalid escape keys (" + spec + ") provided");
                    }
                    out[i] = (byte) (idx == 0 ? 0 : 26 + idx);
                }
            } else {
                throw ApiException.badRequest("Invalid escape keys (" + spec + ") provided");
            }
        }
        return out;
    }
}
