package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.ListOutput;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** berth network create|ls|inspect|rm|connect|disconnect|prune, with docker's flags and output. */
public final class NetworkCommands {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private NetworkCommands() {}

    /** {@code key=value} flags as a JSON object. */
    private static ObjectNode keyValues(List<String> kvs, String flag) {
        ObjectNode o = F.objectNode();
        for (String kv : kvs) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                if (flag.equals("label")) {
                    o.put(kv, "");
                    continue;
                }
                throw new ExitException(125, "invalid argument \"" + kv + "\" for \"--" + flag + "\" flag: invalid key/value pair format");
            }
            o.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return o;
    }

    /** berth network create. */
    public static final class Create extends BaseCommand {
        private String driver = "bridge";
        private boolean internal;
        private boolean attachable;
        private final List<String> subnets = new ArrayList<>();
        private final List<String> gateways = new ArrayList<>();
        private final List<String> ipRanges = new ArrayList<>();
        private final List<String> labels = new ArrayList<>();
        private final List<String> options = new ArrayList<>();
        private boolean ipv6;

        public Create(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("create", "[OPTIONS] NETWORK", "Create a network", 1, 1);
        }

        @Override
        public void define(FlagSet f) {
            f.string("d,driver", "string", "Driver to manage the Network (default \"bridge\")", v -> driver = v);
            f.list("gateway", "strings", "IPv4 or IPv6 Gateway for the master subnet", gateways);
            f.bool("internal", "Restrict external access to the network", v -> internal = v);
            f.bool("attachable", "Enable manual container attachment", v -> attachable = v);
            f.list("ip-range", "strings", "Allocate container ip from a sub-range", ipRanges);
            f.bool("ipv6", "Enable or disable IPv6 networking", v -> ipv6 = v);
            f.list("label", "list", "Set metadata on a network", labels);
            f.list("o,opt", "map", "Set driver specific options", options);
            f.list("subnet", "strings", "Subnet in CIDR format that represents a network segment", subnets);
        }

        @Override
        public int run(List<String> args) {
            if (gateways.size() > subnets.size() || ipRanges.size() > subnets.size()) {
                throw new ExitException(125, "every ip-range or gateway must have a corresponding subnet");
            }
            ObjectNode body = F.objectNode();
            body.put("Name", args.getFirst());
            body.put("Driver", driver);
            ObjectNode ipam = body.putObject("IPAM");
            ipam.put("Driver", "default");
            ArrayNode cfg = ipam.putArray("Config");
            for (int i = 0; i < subnets.size(); i++) {
                ObjectNode c = cfg.addObject();
                c.put("Subnet", subnets.get(i));
                if (i < ipRanges.size()) {
                    c.put("IPRange", ipRanges.get(i));
                }
                if (i < gateways.size()) {
                    c.put("Gateway", gateways.get(i));
                }
            }
            body.put("Internal", internal);
            body.put("Attachable", attachable);
            body.put("EnableIPv6", ipv6);
            body.set("Options", keyValues(options, "opt"));
            body.set("Labels", keyValues(labels, "label"));
            JsonNode r = client().postJson("/networks/create", body);
            cli.out().println(r.path("Id").asText());
            return 0;
        }
    }

    /** berth network ls. */
    public static final class Ls extends BaseCommand {
        static final Map<String, String> HEADERS = Map.of("ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER",
                "Scope", "SCOPE", "IPv4", "IPV4", "IPv6", "IPV6", "Internal", "INTERNAL", "CreatedAt", "CREATED AT",
                "Labels", "LABELS");
        static final String TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
        private final List<String> filters = new ArrayList<>();
        private String format;
        private boolean noTrunc;
        private boolean quiet;

        public Ls(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("ls", "[OPTIONS]", "List networks", 0, 0);
        }

        @Override
        public void define(FlagSet f) {
            f.list("f,filter", "filter", "Provide filter values (e.g. \"driver=bridge\")", filters);
            f.string("format", "string", FORMAT_TABLE_HELP, v -> format = v);
            f.bool("no-trunc", "Do not truncate the output", v -> noTrunc = v);
            f.bool("q,quiet", "Only display network IDs", v -> quiet = v);
        }

        @Override
        public int run(List<String> args) {
            JsonNode nets = client().getJson(Query.of().add("filters", filtersJson(filters)).on("/networks"));
            List<ObjectNode> rows = new ArrayList<>();
            List<JsonNode> sorted = new ArrayList<>();
            nets.forEach(sorted::add);
            sorted.sort((a, b) -> a.path("Name").asText().compareTo(b.path("Name").asText()));
            for (JsonNode n : sorted) {
                ObjectNode r = F.objectNode();
                String id = n.path("Id").asText();
                r.put("ID", noTrunc ? id : HumanUnits.truncateId(id));
                r.put("Name", n.path("Name").asText());
                r.put("Driver", n.path("Driver").asText());
                r.put("Scope", n.path("Scope").asText());
                r.put("IPv4", Boolean.toString(n.path("EnableIPv4").asBoolean(true)));
                r.put("IPv6", Boolean.toString(n.path("EnableIPv6").asBoolean(false)));
                r.put("Internal", Boolean.toString(n.path("Internal").asBoolean(false)));
                r.put("CreatedAt", n.path("Created").asText());
                List<String> ls = new ArrayList<>();
                n.path("Labels").properties().forEach(e -> ls.add(e.getKey() + "=" + e.getValue().asText()));
                r.put("Labels", String.join(",", ls));
                rows.add(r);
            }
            ListOutput.print(cli, quiet ? "{{.ID}}" : format, TABLE, HEADERS, rows);
            return 0;
        }
    }

    /** berth network inspect. */
    public static final class Inspect extends InspectCommand {
        public Inspect(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("inspect", "[OPTIONS] NETWORK [NETWORK...]", "Display detailed information on one or more networks", 1, -1);
        }

        @Override
        protected String kindsFixed() {
            return "network";
        }
    }

    /** berth network rm. */
    public static final class Rm extends BaseCommand {
        public Rm(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("rm", "NETWORK [NETWORK...]", "Remove one or more networks", 1, -1);
        }

        @Override
        public void define(FlagSet f) {
            f.bool("f,force", "Do not error if the network does not exist", v -> { });
        }

        @Override
        public int run(List<String> args) {
            return forEach(args, n -> {
                client().send("DELETE", "/networks/" + seg(n));
                cli.out().println(n);
            });
        }
    }

    /** berth network connect. */
    public static final class Connect extends BaseCommand {
        private final List<String> aliases = new ArrayList<>();
        private String ip;

        public Connect(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("connect", "[OPTIONS] NETWORK CONTAINER", "Connect a container to a network", 2, 2);
        }

        @Override
        public void define(FlagSet f) {
            f.list("alias", "strings", "Add network-scoped alias for the container", aliases);
            f.string("ip", "string", "IPv4 address (e.g., \"172.30.100.104\")", v -> ip = v);
        }

        @Override
        public int run(List<String> args) {
            ObjectNode body = F.objectNode();
            body.put("Container", args.get(1));
            ObjectNode ec = body.putObject("EndpointConfig");
            if (ip != null && !ip.isEmpty()) {
                ec.putObject("IPAMConfig").put("IPv4Address", ip);
            }
            if (!aliases.isEmpty()) {
                ArrayNode a = ec.putArray("Aliases");
                aliases.forEach(a::add);
            }
            client().postJson("/networks/" + seg(args.get(0)) + "/connect", body);
            return 0;
        }
    }

    /** berth network disconnect. */
    public static final class Disconnect extends BaseCommand {
        private boolean force;

        public Disconnect(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("disconnect", "[OPTIONS] NETWORK CONTAINER", "Disconnect a container from a network", 2, 2);
        }

        @Override
        public void define(FlagSet f) {
            f.bool("f,force", "Force the container to disconnect from a network", v -> force = v);
        }

        @Override
        public int run(List<String> args) {
            ObjectNode body = F.objectNode();
            body.put("Container", args.get(1));
            body.put("Force", force);
            client().postJson("/networks/" + seg(args.get(0)) + "/disconnect", body);
            return 0;
        }
    }

    /** berth network prune. */
    public static final class Prune extends PruneCommand {
        public Prune(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("prune", "[OPTIONS]", "Remove all unused networks", 0, 0);
        }

        @Override
        String warning() {
            return "WARNING! This will remove all custom networks not used by at least one container.";
        }

        @Override
        String path() {
            return "/networks/prune";
        }

        @Override
        void report(JsonNode report, StringBuilder out) {
            // docker prints neither a blank line nor the reclaimed space here
            JsonNode deleted = report.path("NetworksDeleted");
            if (!deleted.isEmpty()) {
                out.append("Deleted Networks:\n");
                deleted.forEach(n -> out.append(n.asText()).append('\n'));
            }
        }
    }

    /** berth port: a container's published ports, or those of one private port. */
    public static final class Port extends BaseCommand {
        public Port(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("port", "CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings or a specific mapping for the container", 1, 2);
        }

        @Override
        public int run(List<String> args) {
            JsonNode c = client().getJson("/containers/" + seg(args.getFirst()) + "/json");
            JsonNode ports = c.path("NetworkSettings").path("Ports");
            StringBuilder sb = new StringBuilder();
            if (args.size() == 2) {
                String want = args.get(1).contains("/") ? args.get(1) : args.get(1) + "/tcp";
                JsonNode bindings = ports.path(want);
                if (!bindings.isArray() || bindings.isEmpty()) {
                    throw new ExitException(1, "Error: No public port '" + want + "' published for " + args.getFirst());
                }
                bindings.forEach(b -> sb.append(hostPort(b)).append('\n'));
            } else {
                List<String> keys = new ArrayList<>();
                ports.fieldNames().forEachRemaining(keys::add);
                keys.sort((a, b) -> Integer.compare(Integer.parseInt(a.substring(0, a.indexOf('/'))),
                        Integer.parseInt(b.substring(0, b.indexOf('/')))));
                for (String k : keys) {
                    for (JsonNode b : ports.path(k)) {
                        sb.append(k).append(" -> ").append(hostPort(b)).append('\n');
                    }
                }
            }
            cli.out().print(sb);
            return 0;
        }

        private static String hostPort(JsonNode b) {
            String ip = b.path("HostIp").asText("");
            return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + b.path("HostPort").asText();
        }
    }
}
