package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.client.Json;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.format.TabWriter;
import dev.berth.cli.output.ListOutput;
import dev.berth.cli.FlagSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** berth info: docker's "Client:" and "Server:" report over /info. */
public final class InfoCommand extends BaseCommand {
    private String format;

    public InfoCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("info", "[OPTIONS]", "Display system-wide information", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.string("f,format", "string", FORMAT_HELP, v -> format = v);
    }

    @Override
    public int run(List<String> args) {
        JsonNode info = null;
        RuntimeException serverError = null;
        try {
            info = client().getJson("/info");
        } catch (RuntimeException e) {
            serverError = e;
        }
        if (format != null && !format.isEmpty()) {
            ObjectNode data = info == null ? Json.object() : ((ObjectNode) info).deepCopy();
            data.set("ClientInfo", clientInfo());
            if (serverError != null) {
                data.putArray("ServerErrors").add(serverError.getMessage());
            }
            ListOutput.each(cli, format, List.of(data));
            return serverError == null ? 0 : 1;
        }
        cli.out().print(renderClient(cli.globals().debug()));
        if (serverError != null) {
            cli.out().print("\nServer:\n");
            cli.out().flush();
            cli.err().println("ERROR: " + serverError.getMessage());
            cli.err().println("errors pretty printing info");
            return 1;
        }
        cli.out().print("\nServer:\n");
        cli.out().print(renderServer(info));
        cli.out().flush();
        for (JsonNode w : info.path("Warnings")) {
            cli.err().println(w.asText());
        }
        return 0;
    }

    private ObjectNode clientInfo() {
        ObjectNode c = Json.object();
        c.put("Debug", cli.globals().debug());
        c.put("Version", Cli.VERSION);
        c.put("Context", "default");
        c.putArray("Plugins");
        c.putArray("Warnings");
        return c;
    }

    static String renderClient(boolean debug) {
        StringBuilder sb = new StringBuilder("Client:\n");
        TabWriter tw = new TabWriter(sb, 0, 1);
        tw.write(" Version:\t" + Cli.VERSION + "\n").write(" Context:\t" + "default\n").write(" Debug Mode:\t" + debug + "\n");
        tw.flush();
        return sb.toString();
    }

    /** docker's prettyPrintServerInfo, line for line, for the fields a daemon reports. */
    static String renderServer(JsonNode i) {
        StringBuilder o = new StringBuilder();
        line(o, " Containers:", num(i, "Containers"));
        line(o, "  Running:", num(i, "ContainersRunning"));
        line(o, "  Paused:", num(i, "ContainersPaused"));
        line(o, "  Stopped:", num(i, "ContainersStopped"));
        line(o, " Images:", num(i, "Images"));
        nonEmpty(o, " Server Version:", str(i, "ServerVersion"));
        nonEmpty(o, " Storage Driver:", str(i, "Driver"));
        for (JsonNode pair : i.path("DriverStatus")) {
            o.append("  ").append(pair.path(0).asText()).append(": ").append(pair.path(1).asText()).append('\n');
        }
        nonEmpty(o, " Logging Driver:", str(i, "LoggingDriver"));
        nonEmpty(o, " Cgroup Driver:", str(i, "CgroupDriver"));
        nonEmpty(o, " Cgroup Version:", str(i, "CgroupVersion"));
        o.append(" Plugins:\n");
        line(o, "  Volume:", join(i.path("Plugins").path("Volume")));
        line(o, "  Network:", join(i.path("Plugins").path("Network")));
        if (!i.path("Plugins").path("Authorization").isEmpty()) {
            line(o, "  Authorization:", join(i.path("Plugins").path("Authorization")));
        }
        line(o, "  Log:", join(i.path("Plugins").path("Log")));
        JsonNode swarm = i.path("Swarm");
        String state = str(swarm, "LocalNodeState");
        line(o, " Swarm:", state);
        if (!state.equals("inactive") && !state.equals("locked")) {
            line(o, "  NodeID:", str(swarm, "NodeID"));
            line(o, "  Is Manager:", Boolean.toString(swarm.path("ControlAvailable").asBoolean(false)));
            line(o, "  Node Address:", str(swarm, "NodeAddr"));
        }
        List<String> runtimes = names(i.path("Runtimes"));
        if (!runtimes.isEmpty()) {
            o.append(" Runtimes:");
            runtimes.sort(null);
            for (String r : runtimes) {
                o.append(' ').append(r);
            }
            o.append('\n');
            line(o, " Default Runtime:", str(i, "DefaultRuntime"));
        }
        if (str(i, "OSType").equals("linux")) {
            line(o, " Init Binary:", str(i, "InitBinary"));
            for (String[] c : new String[][] {{"containerd", "ContainerdCommit"}, {"runc", "RuncCommit"}, {"init", "InitCommit"}}) {
                o.append(' ').append(c[0]).append(" version: ").append(str(i.path(c[1]), "ID")).append('\n');
            }
            if (!i.path("SecurityOptions").isEmpty()) {
                o.append(" Security Options:\n");
                for (JsonNode so : i.path("SecurityOptions")) {
                    String[] kvs = so.asText().split(",");
                    String name = "";
                    List<String> lines = new ArrayList<>();
                    for (String kv : kvs) {
                        String[] p = kv.split("=", 2);
                        if (p.length == 2 && p[0].equals("name")) {
                            name = p[1];
                        } else if (p.length == 2 && p[0].equals("profile")) {
                            lines.add("   Profile: " + p[1]);
                        }
                    }
                    o.append("  ").append(name).append('\n');
                    lines.forEach(l -> o.append(l).append('\n'));
                }
            }
        }
        nonEmpty(o, " Isolation:", str(i, "Isolation"));
        nonEmpty(o, " Kernel Version:", str(i, "KernelVersion"));
        nonEmpty(o, " Operating System:", str(i, "OperatingSystem"));
        nonEmpty(o, " OSType:", str(i, "OSType"));
        nonEmpty(o, " Architecture:", str(i, "Architecture"));
        line(o, " CPUs:", num(i, "NCPU"));
        line(o, " Total Memory:", HumanUnits.bytesSize(i.path("MemTotal").asDouble()));
        nonEmpty(o, " Name:", str(i, "Name"));
        nonEmpty(o, " ID:", str(i, "ID"));
        line(o, " Docker Root Dir:", str(i, "DockerRootDir"));
        boolean debug = i.path("Debug").asBoolean(false);
        line(o, " Debug Mode:", Boolean.toString(debug));
        if (debug) {
            line(o, "  File Descriptors:", num(i, "NFd"));
            line(o, "  Goroutines:", num(i, "NGoroutines"));
            line(o, "  System Time:", str(i, "SystemTime"));
            line(o, "  EventsListeners:", num(i, "NEventsListener"));
        }
        nonEmpty(o, " HTTP Proxy:", str(i, "HttpProxy"));
        nonEmpty(o, " HTTPS Proxy:", str(i, "HttpsProxy"));
        nonEmpty(o, " No Proxy:", str(i, "NoProxy"));
        if (!i.path("Labels").isEmpty()) {
            o.append(" Labels:\n");
            for (JsonNode l : i.path("Labels")) {
                o.append("  ").append(l.asText()).append('\n');
            }
        }
        line(o, " Experimental:", Boolean.toString(i.path("ExperimentalBuild").asBoolean(false)));
        JsonNode reg = i.path("RegistryConfig");
        if (!reg.path("InsecureRegistryCIDRs").isEmpty() || !reg.path("IndexConfigs").isEmpty()) {
            o.append(" Insecure Registries:\n");
            List<String> index = names(reg.path("IndexConfigs"));
            for (String name : index) {
                JsonNode ic = reg.path("IndexConfigs").path(name);
                if (!ic.path("Secure").asBoolean(false)) {
                    o.append("  ").append(ic.path("Name").asText(name)).append('\n');
                }
            }
            for (JsonNode cidr : reg.path("InsecureRegistryCIDRs")) {
                o.append("  ").append(cidr.asText()).append('\n');
            }
        }
        if (!reg.path("Mirrors").isEmpty()) {
            o.append(" Registry Mirrors:\n");
            for (JsonNode m : reg.path("Mirrors")) {
                o.append("  ").append(m.asText()).append('\n');
            }
        }
        line(o, " Live Restore Enabled:", Boolean.toString(i.path("LiveRestoreEnabled").asBoolean(false)));
        nonEmpty(o, " Product License:", str(i, "ProductLicense"));
        o.append('\n');
        return o.toString();
    }

    private static void line(StringBuilder o, String label, String value) {
        o.append(label).append(' ').append(value).append('\n');
    }

    private static void nonEmpty(StringBuilder o, String label, String value) {
        if (!value.isEmpty()) {
            line(o, label, value);
        }
    }

    private static String str(JsonNode n, String f) {
        JsonNode v = n.path(f);
        return v.isValueNode() ? v.asText() : "";
    }

    private static String num(JsonNode n, String f) {
        return Long.toString(n.path(f).asLong(0));
    }

    private static String join(JsonNode arr) {
        List<String> parts = new ArrayList<>();
        arr.forEach(v -> parts.add(v.asText()));
        return String.join(" ", parts);
    }

    private static List<String> names(JsonNode obj) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
