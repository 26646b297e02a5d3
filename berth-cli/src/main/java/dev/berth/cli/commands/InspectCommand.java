package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.cli.output.GoJsonIndent;
import dev.berth.cli.output.ListOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** berth inspect: containers or images as docker prints them (a JSON array with four-space indents, or -f). */
@Command(name = "inspect", customSynopsis = "[OPTIONS] NAME|ID [NAME|ID...]", description = "Return low-level information on Docker objects")
public class InspectCommand extends BaseCommand {
    @Option(names = {"-f", "--format"}, paramLabel = "string", description = "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates")
    String format;

    @Option(names = {"-s", "--size"}, description = "Display total file sizes if the type is container")
    boolean size;

    @Option(names = "--type", paramLabel = "string", description = "Only inspect objects of the given type")
    String type;

    @Parameters(arity = "1..*", paramLabel = "NAME|ID")
    List<String> names = new ArrayList<>();

    InspectCommand(Cli cli) {
        super(cli);
    }

    /** The kinds this command looks in, in order. */
    protected List<String> kinds() {
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
    public Integer call() {
        List<String> raws = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String name : names) {
            String raw = null;
            for (String kind : kinds()) {
                String path = kind.equals("container")
                        ? Query.of().flag("size", size).on("/containers/" + seg(name) + "/json")
                        : "/images/" + seg(name) + "/json";
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
                    items.add(cli.json().readTree(raw));
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
    @Command(name = "inspect", customSynopsis = "[OPTIONS] CONTAINER [CONTAINER...]", description = "Display detailed information on one or more containers")
    public static final class ContainerInspect extends InspectCommand {
        ContainerInspect(Cli cli) {
            super(cli);
        }

        @Override
        protected List<String> kinds() {
            return List.of("container");
        }
    }
}
