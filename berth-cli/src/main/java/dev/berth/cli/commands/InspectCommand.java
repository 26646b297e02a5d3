package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.Json;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.cli.output.GoJsonIndent;
import dev.berth.cli.output.ListOutput;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** berth inspect: containers or images as docker prints them (a JSON array with four-space indents, or -f). */
public class InspectCommand extends BaseCommand {
    private String format;
    private boolean size;
    private String type;

    public InspectCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("inspect", "[OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Docker objects", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("f,format", "string", FORMAT_HELP, v -> format = v);
        f.bool("s,size", "Display total file sizes if the type is container", v -> size = v);
        if (kindsFixed() == null) {
            f.string("type", "string", "Only inspect objects of the given type", v -> type = v);
        }
        if ("network".equals(kindsFixed())) {
            f.bool("v,verbose", "Verbose output for diagnostics", v -> { });
        }
    }

    /** The single kind of a type-specific inspect (container inspect, image inspect), else null. */
    protected String kindsFixed() {
        return null;
    }

    /** The kinds this command looks in, in order. */
    protected List<String> kinds() {
        if (kindsFixed() != null) {
            return List.of(kindsFixed());
        }
        if (type == null || type.isEmpty()) {
            return List.of("container", "image");
        }
        if (!type.equals("container") && !type.equals("image")) {
            throw new ExitException(1, "\"" + type + "\" is not a valid value for --type");
        }
        return List.of(type);
    }

    /** The error for a name found nowhere. */
    protected String notFound(String name) {
        return kinds().size() == 1 ? "No such " + kinds().getFirst() + ": " + name : "No such object: " + name;
    }

    @Override
    public int run(List<String> names) {
        List<String> raws = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String name : names) {
            String raw = null;
            for (String kind : kinds()) {
                String path = switch (kind) {
                    case "container" -> Query.of().flag("size", size).on("/containers/" + seg(name) + "/json");
                    case "network" -> "/networks/" + seg(name);
                    default -> "/images/" + seg(name) + "/json";
                };
                try (Response r = client().call("GET", path, null)) {
                    raw = new String(r.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                    break;
                } catch (DaemonException e) {
                    if (!e.notFound()) {
                        throw e;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (raw == null) {
                errors.add(notFound(name));
            } else {
                raws.add(raw);
            }
        }
        if (format != null && !format.isEmpty()) {
            List<JsonNode> items = new ArrayList<>();
            for (String raw : raws) {
                try {
                    items.add(Json.sorted(Json.parse(raw)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            ListOutput.each(cli, format, items, true);
        } else {
            cli.out().print(GoJsonIndent.indent("[" + String.join(",", raws) + "]", "    ") + "\n");
        }
        cli.out().flush();
        if (!errors.isEmpty()) {
            errors.forEach(e -> cli.err().println("Error: " + e));
            return 1;
        }
        return 0;
    }

    /** berth container inspect. */
    public static final class ContainerInspect extends InspectCommand {
        public ContainerInspect(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("inspect", "[OPTIONS] CONTAINER [CONTAINER...]", "Display detailed information on one or more containers", 1, -1);
        }

        @Override
        protected String kindsFixed() {
            return "container";
        }
    }
}
