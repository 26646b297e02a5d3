package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.TabWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** berth top: the container's processes, with optional ps options. */
@Command(name = "top", customSynopsis = "CONTAINER [ps OPTIONS]", description = "Display the running processes of a container")
public final class TopCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "ps OPTIONS")
    List<String> psArgs = new ArrayList<>();

    TopCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        JsonNode top = client().getJson(Query.of().add("ps_args", String.join(" ", psArgs)).on("/containers/" + seg(container) + "/top"));
        StringBuilder sb = new StringBuilder();
        TabWriter tw = TabWriter.wide(sb);
        List<String> titles = new ArrayList<>();
        top.path("Titles").forEach(t -> titles.add(t.asText()));
        tw.write(String.join("\t", titles) + "\n");
        for (JsonNode p : top.path("Processes")) {
            List<String> cells = new ArrayList<>();
            p.forEach(c -> cells.add(c.asText()));
            tw.write(String.join("\t", cells) + "\n");
        }
        tw.flush();
        cli.out().print(sb);
        return 0;
    }
}
