package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.DockerClient;
import dev.berth.cli.client.Json;
import dev.berth.cli.format.TabWriter;
import dev.berth.cli.output.ListOutput;
import dev.berth.cli.FlagSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** berth version: the client's and the server's versions, laid out as docker prints them. */
public final class VersionCommand extends BaseCommand {
    private String format;

    public VersionCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("version", "[OPTIONS]", "Show the Docker version information", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.string("f,format", "string", FORMAT_HELP, v -> format = v);
    }

    @Override
    public int run(List<String> args) {
        RuntimeException serverError = null;
        JsonNode server = null;
        String api = DockerClient.MAX_API_VERSION;
        try {
            api = client().apiVersion();
            server = client().getJson("/version");
        } catch (RuntimeException e) {
            serverError = e;
        }
        ObjectNode data = Json.object();
        data.set("Client", clientInfo(api));
        if (server != null) {
            ObjectNode s = ((ObjectNode) server).deepCopy();
            if (s.has("ApiVersion")) {
                s.set("APIVersion", s.get("ApiVersion"));
            }
            data.set("Server", s);
        } else {
            data.putNull("Server");
        }
        if (format != null && !format.isEmpty()) {
            ListOutput.each(cli, format, List.of(data));
        } else {
            cli.out().print(render(data.get("Client"), server));
        }
        cli.out().flush();
        if (serverError != null) {
            throw serverError instanceof ExitException ee ? ee : new ExitException(1, serverError.getMessage());
        }
        return 0;
    }

    ObjectNode clientInfo(String api) {
        ObjectNode c = Json.object();
        c.putObject("Platform").put("Name", "");
        c.put("Version", Cli.VERSION);
        c.put("ApiVersion", api);
        c.put("APIVersion", api);
        c.put("DefaultAPIVersion", DockerClient.MAX_API_VERSION);
        c.put("JavaVersion", Runtime.version().toString());
        c.put("GoVersion", "java" + Runtime.version().feature());
        c.put("GitCommit", "");
        c.put("BuildTime", "");
        c.put("Os", "linux");
        c.put("Arch", goArch(System.getProperty("os.arch")));
        c.put("Context", "default");
        return c;
    }

    static String goArch(String javaArch) {
        return switch (javaArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> javaArch;
        };
    }

    /** The text docker's default version template produces. */
    static String render(JsonNode client, JsonNode server) {
        StringBuilder sb = new StringBuilder();
        TabWriter tw = new TabWriter(sb, 20, 1);
        String api = client.path("APIVersion").asText();
        String def = client.path("DefaultAPIVersion").asText();
        tw.write("Client:\n")
                .write(" Version:\t" + client.path("Version").asText() + "\n")
                .write(" API version:\t" + api + (api.equals(def) ? "" : " (downgraded from " + def + ")") + "\n")
                .write(" Java version:\t" + client.path("JavaVersion").asText() + "\n")
                .write(" Git commit:\t" + client.path("GitCommit").asText() + "\n")
                .write(" Built:\t" + client.path("BuildTime").asText() + "\n")
                .write(" OS/Arch:\t" + client.path("Os").asText() + "/" + client.path("Arch").asText() + "\n")
                .write(" Context:\t" + client.path("Context").asText() + "\n");
        if (server != null) {
            String platform = server.path("Platform").path("Name").asText("");
            tw.write("\nServer:" + (platform.isEmpty() ? "" : " " + platform) + "\n");
            JsonNode components = server.path("Components");
            if (components.isArray() && !components.isEmpty()) {
                for (JsonNode c : components) {
                    String name = c.path("Name").asText();
                    JsonNode d = c.path("Details");
                    tw.write(" " + name + ":\n");
                    if (name.equals("Engine")) {
                        tw.write("  Version:\t" + c.path("Version").asText() + "\n")
                                .write("  API version:\t" + d.path("ApiVersion").asText() + " (minimum version " + d.path("MinAPIVersion").asText() + ")\n")
                                .write("  Go version:\t" + d.path("GoVersion").asText() + "\n")
                                .write("  Git commit:\t" + d.path("GitCommit").asText() + "\n")
                                .write("  Built:\t" + d.path("BuildTime").asText() + "\n")
                                .write("  OS/Arch:\t" + d.path("Os").asText() + "/" + d.path("Arch").asText() + "\n")
                                .write("  Experimental:\t" + d.path("Experimental").asText() + "\n");
                    } else {
                        tw.write("  Version:\t" + c.path("Version").asText() + "\n");
                        List<String> keys = new ArrayList<>();
                        for (Iterator<String> it = d.fieldNames(); it.hasNext(); ) {
                            keys.add(it.next());
                        }
                        keys.sort(null);
                        for (String k : keys) {
                            tw.write("  " + k + ":\t" + d.path(k).asText() + "\n");
                        }
                    }
                }
            } else {
                tw.write(" Engine:\n")
                        .write("  Version:\t" + server.path("Version").asText() + "\n")
                        .write("  API version:\t" + server.path("ApiVersion").asText() + " (minimum version " + server.path("MinAPIVersion").asText() + ")\n")
                        .write("  Go version:\t" + server.path("GoVersion").asText() + "\n")
                        .write("  Git commit:\t" + server.path("GitCommit").asText() + "\n")
                        .write("  Built:\t" + server.path("BuildTime").asText() + "\n")
                        .write("  OS/Arch:\t" + server.path("Os").asText() + "/" + server.path("Arch").asText() + "\n")
                        .write("  Experimental:\t" + server.path("Experimental").asText() + "\n");
            }
        }
        tw.flush();
        return sb.toString();
    }
}
