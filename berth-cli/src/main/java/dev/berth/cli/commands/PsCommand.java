package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.ListOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** berth ps: docker's container table. */
@Command(name = "ps", customSynopsis = "[OPTIONS]", description = "List containers")
public final class PsCommand extends BaseCommand {
    static final Map<String, String> HEADERS = Map.ofEntries(Map.entry("ID", "CONTAINER ID"), Map.entry("Image", "IMAGE"),
            Map.entry("Command", "COMMAND"), Map.entry("CreatedAt", "CREATED AT"), Map.entry("RunningFor", "CREATED"),
            Map.entry("Ports", "PORTS"), Map.entry("State", "STATE"), Map.entry("Status", "STATUS"), Map.entry("Size", "SIZE"),
            Map.entry("Names", "NAMES"), Map.entry("Labels", "LABELS"), Map.entry("Mounts", "MOUNTS"),
            Map.entry("Networks", "NETWORKS"), Map.entry("LocalVolumes", "LOCAL VOLUMES"));
    static final String TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

    @Option(names = {"-a", "--all"}, description = "Show all containers (default shows just running)")
    boolean all;

    @Option(names = {"-f", "--filter"}, paramLabel = "filter", description = "Filter output based on conditions provided")
    List<String> filters = new ArrayList<>();

    @Option(names = "--format", paramLabel = "string", description = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates")
    String format;

    @Option(names = {"-n", "--last"}, paramLabel = "int", description = "Show n last created containers (includes all states) (default -1)")
    int last = -1;

    @Option(names = {"-l", "--latest"}, description = "Show the latest created container (includes all states)")
    boolean latest;

    @Option(names = "--no-trunc", description = "Don't truncate output")
    boolean noTrunc;

    @Option(names = {"-q", "--quiet"}, description = "Only display container IDs")
    boolean quiet;

    @Option(names = {"-s", "--size"}, description = "Display total file sizes")
    boolean size;

    PsCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        int limit = latest ? 1 : last;
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
