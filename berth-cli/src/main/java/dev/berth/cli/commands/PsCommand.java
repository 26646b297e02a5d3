package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.ListOutput;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** berth ps: docker's container table. */
public final class PsCommand extends BaseCommand {
    static final Map<String, String> HEADERS = Map.ofEntries(Map.entry("ID", "CONTAINER ID"), Map.entry("Image", "IMAGE"),
            Map.entry("Command", "COMMAND"), Map.entry("CreatedAt", "CREATED AT"), Map.entry("RunningFor", "CREATED"),
            Map.entry("Ports", "PORTS"), Map.entry("State", "STATE"), Map.entry("Status", "STATUS"), Map.entry("Size", "SIZE"),
            Map.entry("Names", "NAMES"), Map.entry("Labels", "LABELS"), Map.entry("Mounts", "MOUNTS"),
            Map.entry("Networks", "NETWORKS"), Map.entry("LocalVolumes", "LOCAL VOLUMES"));
    static final String TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

    private boolean all;
    private final List<String> filters = new ArrayList<>();
    private String format;
    private long last = -1;
    private boolean latest;
    private boolean noTrunc;
    private boolean quiet;
    private boolean size;

    public PsCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("ps", "[OPTIONS]", "List containers", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,all", "Show all containers (default shows just running)", v -> all = v);
        f.list("f,filter", "filter", "Filter output based on conditions provided", filters);
        f.string("format", "string", FORMAT_TABLE_HELP, v -> format = v);
        f.integer("n,last", "int", "Show n last created containers (includes all states) (default -1)", v -> last = v);
        f.bool("l,latest", "Show the latest created container (includes all states)", v -> latest = v);
        f.bool("no-trunc", "Don't truncate output", v -> noTrunc = v);
        f.bool("q,quiet", "Only display container IDs", v -> quiet = v);
        f.bool("s,size", "Display total file sizes", v -> size = v);
    }

    @Override
    public int run(List<String> args) {
        long limit = latest ? 1 : last;
        boolean showAll = all || limit > 0;
        String fmt = quiet ? "{{.ID}}" : format;
        boolean wantSize = size || fmt != null && fmt.contains(".Size");
        Query q = Query.of().flag("all", showAll).add("filters", filtersJson(filters));
        if (limit > 0) {
            q.add("limit", limit);
        }
        JsonNode list = client().getJson(q.flag("size", wantSize).on("/containers/json"));
        List<ObjectNode> rows = new ArrayList<>();
        Instant now = Instant.now();
        for (JsonNode c : list) {
            rows.add(row(c, !noTrunc, now));
        }
        String table = size ? TABLE + "\t{{.Size}}" : TABLE;
        ListOutput.print(cli, fmt, table, HEADERS, rows);
        return 0;
    }

    /** The fields docker's ContainerContext offers, computed as docker computes them. */
    static ObjectNode row(JsonNode c, boolean trunc, Instant now) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        String command = c.path("Command").asText();
        Instant created = Instant.ofEpochSecond(c.path("Created").asLong());
        r.put("Command", GoQuote.quote(trunc ? Ellipsis.of(command, 20) : command));
        r.put("CreatedAt", Times.goTime(created));
        String id = c.path("Id").asText();
        r.put("ID", trunc ? HumanUnits.truncateId(id) : id);
        r.put("Image", image(c, trunc));
        r.put("Labels", labels(c.path("Labels")));
        r.put("LocalVolumes", Long.toString(countLocalVolumes(c)));
        r.put("Mounts", mounts(c, trunc));
        r.put("Names", names(c, trunc));
        r.put("Networks", networks(c));
        r.put("Ports", Ports.display(c.path("Ports")));
        r.put("RunningFor", Times.ago(created, now));
        r.put("Size", size(c));
        r.put("State", c.path("State").asText());
        r.put("Status", c.path("Status").asText());
        return r;
    }

    private static String image(JsonNode c, boolean trunc) {
        String image = c.path("Image").asText();
        if (image.isEmpty()) {
            return "<no image>";
        }
        if (trunc) {
            if (image.startsWith("sha256:") || image.matches("[0-9a-f]{64}")) {
                return HumanUnits.truncateId(image);
            }
            int at = image.indexOf('@');
            if (at > 0) {
                return image.substring(0, at);
            }
        }
        return image;
    }

    private static String names(JsonNode c, boolean trunc) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : c.path("Names")) {
            String name = n.asText();
            if (name.startsWith("/")) {
                name = name.substring(1);
            }
            if (trunc && name.contains("/")) {
                continue; // a link name, like "/other/alias"
            }
            out.add(name);
        }
        return String.join(",", out);
    }

    private static String labels(JsonNode labels) {
        Map<String, String> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            var e = it.next();
            sorted.put(e.getKey(), e.getValue().asText());
        }
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    private static long countLocalVolumes(JsonNode c) {
        long n = 0;
        for (JsonNode m : c.path("Mounts")) {
            if (m.path("Driver").asText().equals("local")) {
                n++;
            }
        }
        return n;
    }

    private static String mounts(JsonNode c, boolean trunc) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : c.path("Mounts")) {
            String name = m.path("Name").asText();
            if (name.isEmpty()) {
                name = m.path("Source").asText();
            }
            out.add(trunc ? Ellipsis.of(name, 15) : name);
        }
        return String.join(",", out);
    }

    private static String networks(JsonNode c) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = c.path("NetworkSettings").path("Networks").fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        out.sort(null);
        return String.join(",", out);
    }

    private static String size(JsonNode c) {
        if (!c.has("SizeRw") && !c.has("SizeRootFs")) {
            return "0B";
        }
        String rw = HumanUnits.size(c.path("SizeRw").asDouble());
        long rootFs = c.path("SizeRootFs").asLong();
        return rootFs > 0 ? rw + " (virtual " + HumanUnits.size(rootFs) + ")" : rw;
    }
}
