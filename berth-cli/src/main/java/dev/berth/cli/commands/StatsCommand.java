package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.Json;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.ExitException;
import dev.berth.cli.format.TableFormat;
import dev.berth.cli.template.TemplateException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** berth stats: live resource usage of containers, computed from the daemon's stats JSON as docker computes it. */
public final class StatsCommand extends BaseCommand {
    static final Map<String, String> HEADERS = Map.of("Container", "CONTAINER", "ID", "CONTAINER ID", "Name", "NAME",
            "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET I/O",
            "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    static final String TABLE = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
    /** How often docker redraws the live table. */
    private static final long REDRAW_MILLIS = 500;

    private boolean all;
    private boolean noStream;
    private boolean noTrunc;
    private String format;

    public StatsCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("stats", "[OPTIONS] [CONTAINER...]", "Display a live stream of container(s) resource usage statistics", 0, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,all", "Show all containers (default shows just running)", v -> all = v);
        f.string("format", "string", FORMAT_TABLE_HELP, v -> format = v);
        f.bool("no-stream", "Disable streaming stats and only pull the first result", v -> noStream = v);
        f.bool("no-trunc", "Do not truncate output", v -> noTrunc = v);
    }

    @Override
    public int run(List<String> args) throws Exception {
        List<String> targets = args.isEmpty() ? listContainers() : args;
        Map<String, ObjectNode> latest = new ConcurrentHashMap<>();
        List<String> errors = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            if (noStream) {
                Map<String, Future<ObjectNode>> pending = new LinkedHashMap<>();
                for (String t : targets) {
                    pending.put(t, pool.submit(() -> row(t, firstSample(t))));
                }
                List<ObjectNode> rows = new ArrayList<>();
                for (var e : pending.entrySet()) {
                    try {
                        rows.add(e.getValue().get());
                    } catch (java.util.concurrent.ExecutionException ex) {
                        errors.add(ex.getCause().getMessage());
                    }
                }
                if (!errors.isEmpty()) {
                    errors.forEach(cli.err()::println);
                    return 1;
                }
                cli.out().print(table(rows));
                return 0;
            }
            for (String t : targets) {
                pool.submit(() -> follow(t, latest));
            }
            cli.out().print("\033[2J");
            while (true) {
                List<ObjectNode> rows = new ArrayList<>();
                for (String t : targets) {
                    ObjectNode r = latest.get(t);
                    if (r != null) {
                        rows.add(r);
                    }
                }
                StringBuilder frame = new StringBuilder("\033[H");
                for (String line : table(rows).split("\n", -1)) {
                    frame.append(line).append("\033[K\n");
                }
                frame.append("\033[J");
                cli.out().print(frame);
                cli.out().flush();
                Thread.sleep(REDRAW_MILLIS);
            }
        }
    }

    private String table(List<ObjectNode> rows) {
        String f = format == null || format.isEmpty() || format.equals("table") ? TABLE : format;
        try {
            return TableFormat.parse(f, HEADERS).render(rows);
        } catch (TemplateException e) {
            throw new ExitException(1, e.getMessage());
        }
    }

    private List<String> listContainers() {
        List<String> ids = new ArrayList<>();
        for (JsonNode c : client().getJson(Query.of().add("all", all ? "1" : null).on("/containers/json"))) {
            ids.add(c.path("Id").asText());
        }
        return ids;
    }

    private JsonNode firstSample(String container) throws IOException {
        try (Response r = client().call("GET", Query.of().add("stream", "0").on("/containers/" + seg(container) + "/stats"), null)) {
            Iterator<JsonNode> it = Json.stream(r.body());
            if (!it.hasNext()) {
                throw new IOException("no stats for " + container);
            }
            return it.next();
        }
    }

    private void follow(String container, Map<String, ObjectNode> latest) {
        try (Response r = client().call("GET", "/containers/" + seg(container) + "/stats", null)) {
            Iterator<JsonNode> it = Json.stream(r.body());
            while (it.hasNext()) {
                latest.put(container, row(container, it.next()));
            }
        } catch (IOException | DaemonException e) {
            // a container that went away drops out of the table, as in docker
        }
        latest.remove(container);
    }

    /** One table row: the fields docker's stats formatter offers. */
    ObjectNode row(String container, JsonNode s) {
        ObjectNode row = Json.object();
        String id = s.path("id").asText(container);
        row.put("Container", container);
        row.put("ID", noTrunc ? id : HumanUnits.truncateId(id));
        row.put("Name", s.path("name").asText("").replaceFirst("^/", ""));
        Usage u = Usage.of(s);
        row.put("CPUPerc", percent(u.cpuPercent()));
        row.put("MemUsage", HumanUnits.bytesSize(u.memory()) + " / " + HumanUnits.bytesSize(u.memoryLimit()));
        row.put("MemPerc", percent(u.memoryPercent()));
        row.put("NetIO", HumanUnits.size(u.netRx()) + " / " + HumanUnits.size(u.netTx()));
        row.put("BlockIO", HumanUnits.size(u.blockRead()) + " / " + HumanUnits.size(u.blockWrite()));
        row.put("PIDs", Long.toString(u.pids()));
        return row;
    }

    private static String percent(double v) {
        return String.format(Locale.ROOT, "%.2f%%", v);
    }

    /** What docker's stats command derives from one sample of the Engine API's stats JSON. */
    record Usage(double cpuPercent, double memory, double memoryLimit, double memoryPercent,
                 double netRx, double netTx, double blockRead, double blockWrite, long pids) {

        static Usage of(JsonNode s) {
            JsonNode cpu = s.path("cpu_stats");
            JsonNode pre = s.path("precpu_stats");
            double cpuDelta = cpu.path("cpu_usage").path("total_usage").asDouble() - pre.path("cpu_usage").path("total_usage").asDouble();
            double systemDelta = cpu.path("system_cpu_usage").asDouble() - pre.path("system_cpu_usage").asDouble();
            double online = cpu.path("online_cpus").asDouble();
            if (online == 0) {
                online = cpu.path("cpu_usage").path("percpu_usage").size();
            }
            double cpuPercent = systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100.0 : 0;

            JsonNode mem = s.path("memory_stats");
            double usage = mem.path("usage").asDouble();
            JsonNode ms = mem.path("stats");
            // docker leaves the page cache out: total_inactive_file on cgroup v1, inactive_file on v2
            JsonNode inactive = ms.has("total_inactive_file") ? ms.get("total_inactive_file") : ms.path("inactive_file");
            if (!inactive.isMissingNode() && inactive.asDouble() < usage) {
                usage -= inactive.asDouble();
            }
            double limit = mem.path("limit").asDouble();
            double memPercent = limit != 0 ? usage / limit * 100.0 : 0;

            double rx = 0;
            double tx = 0;
            for (JsonNode n : s.path("networks")) {
                rx += n.path("rx_bytes").asDouble();
                tx += n.path("tx_bytes").asDouble();
            }
            double read = 0;
            double write = 0;
            for (JsonNode e : s.path("blkio_stats").path("io_service_bytes_recursive")) {
                String op = e.path("op").asText().toLowerCase(Locale.ROOT);
                if (op.equals("read")) {
                    read += e.path("value").asDouble();
                } else if (op.equals("write")) {
                    write += e.path("value").asDouble();
                }
            }
            return new Usage(cpuPercent, usage, limit, memPercent, rx, tx, read, write, s.path("pids_stats").path("current").asLong());
        }
    }
}
