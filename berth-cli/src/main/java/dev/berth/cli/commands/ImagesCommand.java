package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.ListOutput;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** berth images: docker 28's legacy image table, one row per repository:tag. */
public final class ImagesCommand extends BaseCommand {
    static final Map<String, String> HEADERS = Map.ofEntries(Map.entry("ID", "IMAGE ID"), Map.entry("Repository", "REPOSITORY"),
            Map.entry("Tag", "TAG"), Map.entry("Digest", "DIGEST"), Map.entry("CreatedSince", "CREATED"),
            Map.entry("CreatedAt", "CREATED AT"), Map.entry("Size", "SIZE"), Map.entry("Containers", "CONTAINERS"),
            Map.entry("VirtualSize", "VIRTUAL SIZE"), Map.entry("SharedSize", "SHARED SIZE"), Map.entry("UniqueSize", "UNIQUE SIZE"));
    static final String TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    static final String TABLE_DIGESTS = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

    private boolean all;
    private boolean digests;
    private final List<String> filters = new ArrayList<>();
    private String format;
    private boolean noTrunc;
    private boolean quiet;

    public ImagesCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images", 0, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,all", "Show all images (default hides intermediate images)", v -> all = v);
        f.bool("digests", "Show digests", v -> digests = v);
        f.list("f,filter", "filter", "Filter output based on conditions provided", filters);
        f.string("format", "string", FORMAT_TABLE_HELP, v -> format = v);
        f.bool("no-trunc", "Don't truncate output", v -> noTrunc = v);
        f.bool("q,quiet", "Only show image IDs", v -> quiet = v);
    }

    @Override
    public int run(List<String> args) {
        String reference = args.isEmpty() ? null : args.getFirst();
        List<String> f = new ArrayList<>(filters);
        if (reference != null) {
            f.add("reference=" + reference);
        }
        JsonNode images = client().getJson(Query.of().flag("all", all).add("filters", filtersJson(f)).on("/images/json"));
        List<ObjectNode> rows = rows(images, !noTrunc, digests, Instant.now());
        String fmt = quiet ? "{{.ID}}" : format == null || format.isEmpty() || format.equals("table") ? (digests ? TABLE_DIGESTS : TABLE) : format;
        ListOutput.print(cli, fmt, TABLE, HEADERS, rows);
        return 0;
    }

    /** docker's legacy imageFormat: rows per familiar repository and tag, "<none>" for dangling images. */
    static List<ObjectNode> rows(JsonNode images, boolean trunc, boolean showDigests, Instant now) {
        List<ObjectNode> rows = new ArrayList<>();
        for (JsonNode image : images) {
            Map<String, List<String>> repoTags = new TreeMap<>();
            Map<String, List<String>> repoDigests = new TreeMap<>();
            for (JsonNode t : image.path("RepoTags")) {
                String ref = t.asText();
                if (ref.equals("<none>:<none>")) {
                    continue;
                }
                int colon = ref.lastIndexOf(':');
                if (colon > ref.lastIndexOf('/')) {
                    repoTags.computeIfAbsent(References.familiar(ref.substring(0, colon)), k -> new ArrayList<>()).add(ref.substring(colon + 1));
                }
            }
            for (JsonNode d : image.path("RepoDigests")) {
                String ref = d.asText();
                int at = ref.indexOf('@');
                if (at > 0 && !ref.equals("<none>@<none>")) {
                    repoDigests.computeIfAbsent(References.familiar(ref.substring(0, at)), k -> new ArrayList<>()).add(ref.substring(at + 1));
                }
            }
            if (repoTags.isEmpty() && repoDigests.isEmpty()) {
                rows.add(row(image, "<none>", "<none>", "<none>", trunc, now));
                continue;
            }
            for (var e : repoTags.entrySet()) {
                List<String> ds = repoDigests.remove(e.getKey());
                for (String tag : e.getValue()) {
                    if (!showDigests || ds == null || ds.isEmpty()) {
                        rows.add(row(image, e.getKey(), tag, "<none>", trunc, now));
                    } else {
                        for (String d : ds) {
                            rows.add(row(image, e.getKey(), tag, d, trunc, now));
                        }
                    }
                }
            }
            for (var e : repoDigests.entrySet()) {
                if (showDigests) {
                    for (String d : e.getValue()) {
                        rows.add(row(image, e.getKey(), "<none>", d, trunc, now));
                    }
                } else {
                    rows.add(row(image, e.getKey(), "<none>", "<none>", trunc, now));
                }
            }
        }
        return rows;
    }

    private static ObjectNode row(JsonNode image, String repo, String tag, String digest, boolean trunc, Instant now) {
        ObjectNode r = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        long created = image.path("Created").asLong();
        String id = image.path("Id").asText();
        r.put("Containers", containers(image.path("Containers").asLong(-1)));
        r.put("CreatedAt", Times.goTime(Instant.ofEpochSecond(created)));
        r.put("CreatedSince", Times.ago(Instant.ofEpochSecond(created), now));
        r.put("Digest", digest);
        r.put("ID", trunc ? HumanUnits.truncateId(id) : id);
        r.put("Repository", repo);
        r.put("SharedSize", sizeOrNa(image.path("SharedSize").asLong(-1)));
        r.put("Size", HumanUnits.size(image.path("Size").asDouble()));
        r.put("Tag", tag);
        long shared = image.path("SharedSize").asLong(-1);
        // docker's SharedSize and UniqueSize use units.HumanSize: four significant digits, not three
        r.put("UniqueSize", shared < 0 ? "N/A" : HumanUnits.humanSize(image.path("Size").asLong() - shared));
        r.put("VirtualSize", HumanUnits.size(image.path("Size").asDouble()));
        return r;
    }

    private static String containers(long n) {
        return n < 0 ? "N/A" : Long.toString(n);
    }

    private static String sizeOrNa(long n) {
        return n < 0 ? "N/A" : HumanUnits.humanSize(n);
    }
}
