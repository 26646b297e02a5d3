package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.ListOutput;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** berth system df: disk usage of images, containers, local volumes and the build cache, as docker prints it. */
public final class SystemDfCommand extends BaseCommand {
    static final Map<String, String> HEADERS = Map.of("Type", "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE",
            "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
    static final String TABLE = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
    private static final String IMAGES_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
            + "\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}";
    private static final String CONTAINERS_TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}"
            + "\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}";
    private static final String VOLUMES_TABLE = "table {{.Name}}\t{{.Links}}\t{{.Size}}";
    private static final String CACHE_TABLE = "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}"
            + "\t{{.UsageCount}}\t{{.Shared}}";

    private String format;
    private boolean verbose;

    public SystemDfCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("df", "[OPTIONS]", "Show docker disk usage", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.string("format", "string", FORMAT_TABLE_HELP, v -> format = v);
        f.bool("v,verbose", "Show detailed information on space usage", v -> verbose = v);
    }

    @Override
    public int run(List<String> args) {
        JsonNode du = client().getJson("/system/df");
        if (verbose) {
            verbose(du);
            return 0;
        }
        List<ObjectNode> rows = List.of(images(du), containers(du.path("Containers")), volumes(du.path("Volumes")),
                summary("Build Cache", 0, 0, 0, 0));
        ListOutput.print(cli, format, TABLE, HEADERS, rows);
        return 0;
    }

    private static ObjectNode images(JsonNode du) {
        long total = du.path("LayersSize").asLong();
        long used = 0;
        int active = 0;
        for (JsonNode i : du.path("Images")) {
            if (i.path("Containers").asLong() > 0) {
                active++;
                long size = i.path("Size").asLong(-1);
                long shared = i.path("SharedSize").asLong(-1);
                if (size != -1 && shared != -1) {
                    used += size - shared;
                }
            }
        }
        return summary("Images", du.path("Images").size(), active, total, total - used);
    }

    private static ObjectNode containers(JsonNode cs) {
        long size = 0;
        long reclaimable = 0;
        int active = 0;
        for (JsonNode c : cs) {
            long rw = c.path("SizeRw").asLong();
            size += rw;
            String st = c.path("State").asText();
            if (st.equals("running") || st.equals("paused") || st.equals("restarting")) {
                active++;
            } else {
                reclaimable += rw;
            }
        }
        return summary("Containers", cs.size(), active, size, reclaimable);
    }

    private static ObjectNode volumes(JsonNode vs) {
        long size = 0;
        long reclaimable = 0;
        int active = 0;
        for (JsonNode v : vs) {
            long s = v.path("UsageData").path("Size").asLong(-1);
            if (s != -1) {
                size += s;
            }
            if (v.path("UsageData").path("RefCount").asLong() > 0) {
                active++;
            } else if (s != -1) {
                reclaimable += s;
            }
        }
        return summary("Local Volumes", vs.size(), active, size, reclaimable);
    }

    private static ObjectNode summary(String type, int total, int active, long size, long reclaimable) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("Type", type);
        r.put("TotalCount", Integer.toString(total));
        r.put("Active", Integer.toString(active));
        r.put("Size", HumanUnits.humanSize(size));
        String rec = HumanUnits.humanSize(reclaimable);
        r.put("Reclaimable", size > 0 ? rec + " (" + (long) ((double) reclaimable / size * 100) + "%)" : rec);
        return r;
    }

    private void verbose(JsonNode du) {
        Instant now = Instant.now();
        StringBuilder out = new StringBuilder();
        out.append("Images space usage:\n\n");
        cli.out().print(out);
        ListOutput.print(cli, IMAGES_TABLE, IMAGES_TABLE, ImagesCommand.HEADERS, ImagesCommand.rows(du.path("Images"), true, false, now));
        cli.out().print("\nContainers space usage:\n\n");
        List<ObjectNode> cs = new ArrayList<>();
        for (JsonNode c : du.path("Containers")) {
            ObjectNode copy = ((ObjectNode) c).deepCopy();
            copy.remove("SizeRootFs"); // docker shows no virtual size here
            cs.add(PsCommand.row(copy, true, now));
        }
        Map<String, String> ctrHeaders = new java.util.HashMap<>(PsCommand.HEADERS);
        ctrHeaders.put("LocalVolumes", "LOCAL VOLUMES");
        ctrHeaders.put("RunningFor", "CREATED");
        ListOutput.print(cli, CONTAINERS_TABLE, CONTAINERS_TABLE, ctrHeaders, cs);
        cli.out().print("\nLocal Volumes space usage:\n\n");
        List<ObjectNode> vs = new ArrayList<>();
        for (JsonNode v : du.path("Volumes")) {
            vs.add(VolumeCommands.row(v));
        }
        ListOutput.print(cli, VOLUMES_TABLE, VOLUMES_TABLE, VolumeCommands.HEADERS, vs);
        cli.out().print("\nBuild cache usage: 0B\n\n");
        ListOutput.print(cli, CACHE_TABLE, CACHE_TABLE, Map.of("ID", "CACHE ID", "CacheType", "CACHE TYPE", "Size", "SIZE",
                "CreatedSince", "CREATED", "LastUsedSince", "LAST USED", "UsageCount", "USAGE", "Shared", "SHARED"), List.of());
    }
}
