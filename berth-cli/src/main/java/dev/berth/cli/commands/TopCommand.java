package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.TabWriter;

import java.util.ArrayList;
import java.util.List;

/** berth top: the container's processes, with optional ps options. */
public final class TopCommand extends BaseCommand {
    public TopCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return new Spec("top", "CONTAINER [ps OPTIONS]", "Display the running processes of a container", 1, -1, false);
    }

    @Override
    public int run(List<String> args) {
        String container = args.getFirst();
        List<String> psArgs = args.subList(1, args.size());
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
