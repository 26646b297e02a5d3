package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;

/** berth container prune: removes all stopped containers. */
public final class ContainerPruneCommand extends PruneCommand {
    public ContainerPruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("prune", "[OPTIONS]", "Remove all stopped containers", 0, 0);
    }

    @Override
    String warning() {
        return "WARNING! This will remove all stopped containers.";
    }

    @Override
    String path() {
        return "/containers/prune";
    }

    @Override
    void report(JsonNode report, StringBuilder out) {
        listed(out, "Deleted Containers:", report.path("ContainersDeleted"));
        reclaimed(out, report);
    }
}
