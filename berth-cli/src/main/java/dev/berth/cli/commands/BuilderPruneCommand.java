package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;

/** berth builder prune: empties the daemon's build cache (POST /build/prune). */
public final class BuilderPruneCommand extends PruneCommand {
    public BuilderPruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("prune", "[OPTIONS]", "Remove build cache", 0, 0);
    }

    @Override
    String filterExample() {
        return null;
    }

    @Override
    String warning() {
        return "WARNING! This will remove all dangling build cache.";
    }

    @Override
    String path() {
        return "/build/prune";
    }

    @Override
    void report(JsonNode report, StringBuilder out) {
        listed(out, "Deleted build cache objects:", report.path("CachesDeleted"));
        reclaimed(out, report);
    }
}
