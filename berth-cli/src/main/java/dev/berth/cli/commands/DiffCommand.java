package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;

import java.util.List;

/** berth diff: what a container changed in its filesystem, one "A|C|D path" per line. */
public final class DiffCommand extends BaseCommand {
    public DiffCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("diff", "CONTAINER", "Inspect changes to files or directories on a container's filesystem", 1, 1);
    }

    @Override
    public int run(List<String> args) {
        JsonNode changes = client().getJson("/containers/" + seg(args.getFirst()) + "/changes");
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : changes) {
            String kind = switch (c.path("Kind").asInt()) {
                case 0 -> "C";
                case 1 -> "A";
                default -> "D";
            };
            sb.append(kind).append(' ').append(c.path("Path").asText()).append('\n');
        }
        cli.out().print(sb);
        cli.out().flush();
        return 0;
    }
}
