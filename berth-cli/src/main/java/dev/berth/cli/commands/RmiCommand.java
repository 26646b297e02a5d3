package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;

import java.util.List;

/** berth rmi: DELETE /images/{name}, printing "Untagged:" and "Deleted:" lines. */
public final class RmiCommand extends BaseCommand {
    private boolean force;
    private boolean noPrune;

    public RmiCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("f,force", "Force removal of the image", v -> force = v);
        f.bool("no-prune", "Do not delete untagged parents", v -> noPrune = v);
    }

    @Override
    public int run(List<String> images) {
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
