package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.Json;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.GoJsonIndent;
import dev.berth.cli.output.ListOutput;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** berth volume create, ls, inspect, rm and prune, with docker's flags and output. */
public final class VolumeCommands {
    static final Map<String, String> HEADERS = Map.of("Driver", "DRIVER", "Name", "VOLUME NAME", "Scope", "SCOPE",
            "Mountpoint", "MOUNTPOINT", "Labels", "LABELS", "Links", "LINKS", "Size", "SIZE", "CreatedAt", "CREATED AT");
    static final String TABLE = "table {{.Driver}}\t{{.Name}}";

    private VolumeCommands() {}

    /** One volume as a row for --format: docker's volume context fields. */
    static ObjectNode row(JsonNode v) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("Driver", v.path("Driver").asText());
        r.put("Name", v.path("Name").asText());
        r.put("Scope", v.path("Scope").asText());
        r.put("Mountpoint", v.path("Mountpoint").asText());
        r.put("Labels", labels(v.path("Labels")));
        r.put("CreatedAt", v.path("CreatedAt").asText());
        JsonNode usage = v.path("UsageData");
        r.put("Links", usage.isMissingNode() ? "N/A" : Long.toString(usage.path("RefCount").asLong()));
        r.put("Size", usage.isMissingNode() || usage.path("Size").asLong(-1) < 0 ? "N/A" : HumanUnits.humanSize(usage.path("Size").asDouble()));
        return r;
    }

    private static String labels(JsonNode labels) {
        Map<String, String> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            var e = it.next();
            sorted.put(e.getKey(), e.getValue().asText());
        }
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, val) -> parts.add(k + "=" + val));
        return String.join(",", parts);
    }

    /** berth volume create. */
    public static final class Create extends BaseCommand {
        private String driver = "local";
        private final List<String> labels = new ArrayList<>();
        private final List<String> opts = new ArrayList<>();
        private String name;

        public Create(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("create", "[OPTIONS] [VOLUME]", "Create a volume", 0, 1);
        }

        @Override
        public void define(FlagSet f) {
            f.string("d,driver", "string", "Specify volume driver name (default \"local\")", v -> driver = v);
            f.list("label", "list", "Set metadata for a volume", labels);
            f.list("o,opt", "map", "Set driver specific options (default map[])", opts);
            f.hiddenString("name", v -> name = v);
        }

        @Override
        public int run(List<String> args) {
            if (!args.isEmpty() && name != null && !name.isEmpty() && !name.equals(args.getFirst())) {
                throw new ExitException(1, "conflicting options: cannot specify a volume-name through both --name and as a positional arg");
            }
            ObjectNode body = Json.object();
            body.put("Name", args.isEmpty() ? (name == null ? "" : name) : args.getFirst());
            body.put("Driver", driver);
            ObjectNode o = body.putObject("DriverOpts");
            for (String kv : opts) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new ExitException(125, "invalid argument \"" + kv + "\" for \"-o, --opt\" flag: invalid key value pair format in driver options");
                }
                o.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            ObjectNode l = body.putObject("Labels");
            for (String kv : labels) {
                int eq = kv.indexOf('=');
                l.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
            }
            JsonNode v = client().postJson("/volumes/create", body);
            cli.out().println(v.path("Name").asText());
            return 0;
        }
    }

    /** berth volume ls. */
    public static final class Ls extends BaseCommand {
        private final List<String> filters = new ArrayList<>();
        private String format;
        private boolean quiet;

        public Ls(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("ls", "[OPTIONS]", "List volumes", 0, 0);
        }

        @Override
        public void define(FlagSet f) {
            f.bool("cluster", "Display only cluster volumes, and use cluster volume list formatting", v -> { });
            f.hideLast();
            f.list("f,filter", "filter", "Provide filter values (e.g. \"dangling=true\")", filters);
            f.string("format", "string", FORMAT_TABLE_HELP, v -> format = v);
            f.bool("q,quiet", "Only display volume names", v -> quiet = v);
        }

        @Override
        public int run(List<String> args) {
            JsonNode resp = client().getJson(Query.of().add("filters", filtersJson(filters)).on("/volumes"));
            List<ObjectNode> rows = new ArrayList<>();
            for (JsonNode v : resp.path("Volumes")) {
                rows.add(row(v));
            }
            rows.sort((a, b) -> a.path("Name").asText().compareTo(b.path("Name").asText()));
            ListOutput.print(cli, quiet ? "{{.Name}}" : format, TABLE, HEADERS, rows);
            return 0;
        }
    }

    /** berth volume inspect. */
    public static final class Inspect extends BaseCommand {
        private String format;

        public Inspect(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("inspect", "[OPTIONS] VOLUME [VOLUME...]", "Display detailed information on one or more volumes", 1, -1);
        }

        @Override
        public void define(FlagSet f) {
            f.string("f,format", "string", FORMAT_HELP, v -> format = v);
        }

        @Override
        public int run(List<String> names) {
            List<JsonNode> found = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (String n : names) {
                try {
                    found.add(client().getJson("/volumes/" + seg(n)));
                } catch (DaemonException e) {
                    if (!e.notFound()) {
                        throw e;
                    }
                    errors.add(e.getMessage());
                }
            }
            if (format != null && !format.isEmpty()) {
                ListOutput.each(cli, format, found.stream().map(Json::sorted).toList(), true);
            } else {
                List<String> raws = found.stream().map(Json::string).toList();
                cli.out().print(GoJsonIndent.indent("[" + String.join(",", raws) + "]", "    ") + "\n");
            }
            cli.out().flush();
            errors.forEach(cli.err()::println);
            return errors.isEmpty() ? 0 : 1;
        }
    }

    /** berth volume rm. */
    public static final class Rm extends BaseCommand {
        private boolean force;

        public Rm(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("rm", "[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", 1, -1);
        }

        @Override
        public void define(FlagSet f) {
            f.bool("f,force", "Force the removal of one or more volumes", v -> force = v);
        }

        @Override
        public int run(List<String> names) {
            return forEach(names, n -> {
                client().send("DELETE", Query.of().flag("force", force).on("/volumes/" + seg(n)));
                cli.out().println(n);
            });
        }
    }

    /** berth volume prune. */
    public static final class Prune extends PruneCommand {
        private boolean all;

        public Prune(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("prune", "[OPTIONS]", "Remove unused local volumes", 0, 0);
        }

        @Override
        void defineMore(FlagSet f) {
            f.bool("a,all", "Remove all unused volumes, not just anonymous ones", v -> all = v);
        }

        @Override
        String filterExample() {
            return "label=<label>";
        }

        @Override
        String warning() {
            return all ? "WARNING! This will remove all local volumes not used by at least one container."
                    : "WARNING! This will remove anonymous local volumes not used by at least one container.";
        }

        @Override
        String path() {
            return "/volumes/prune";
        }

        @Override
        void addFilters(List<String> f) {
            if (all) {
                f.add("all=true");
            }
        }

        @Override
        void report(JsonNode report, StringBuilder out) {
            listed(out, "Deleted Volumes:", report.path("VolumesDeleted"));
            reclaimed(out, report);
        }
    }
}
