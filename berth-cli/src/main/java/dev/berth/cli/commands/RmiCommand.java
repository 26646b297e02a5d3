package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** berth rmi: DELETE /images/{name}, printing "Untagged:" and "Deleted:" lines. */
@Command(name = "rmi", customSynopsis = "[OPTIONS] IMAGE [IMAGE...]", description = "Remove one or more images")
public final class RmiCommand extends BaseCommand {
    @Option(names = {"-f", "--force"}, description = "Force removal of the image")
    boolean force;

    @Option(names = "--no-prune", description = "Do not delete untagged parents")
    boolean noPrune;

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> images = new ArrayList<>();

    RmiCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        return forEach(images, name -> {
            JsonNode res = client().readJson(client().call("DELETE",
                    Query.of().flag("force", force).flag("noprune", noPrune).on("/images/" + seg(name)), null));
            for (JsonNode item : res) {
                if (item.hasNonNull("Untagged")) {
                    cli.out().println("Untagged: " + item.get("Untagged").asText());
                }
                if (item.hasNonNull("Deleted")) {
                    cli.out().println("Deleted: " + item.get("Deleted").asText());
                }
            }
        });
    }
}
