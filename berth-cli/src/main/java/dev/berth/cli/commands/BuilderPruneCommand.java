package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.format.HumanUnits;

import java.util.List;

/** berth builder prune: empties the daemon's build cache (POST /build/prune). */
public final class BuilderPruneCommand extends BaseCommand {
    private boolean force;

    public BuilderPruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("prune", "[OPTIONS]", "Remove build cache", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("f,force", "Do not prompt for confirmation", v -> force = v);
    }

    @Override
    public int run(List<String> args) {
        if (!force && !confirm("WARNING! This will remove all dangling build cache.")) {
            return 0;
        }
        JsonNode report = client().postJson("/build/prune", null);
        StringBuilder sb = new StringBuilder();
        if (!report.path("CachesDeleted").isEmpty()) {
            sb.append("Deleted build cache objects:\n");
            for (JsonNode d : report.path("CachesDeleted")) {
                sb.append(d.asText()).append('\n');
            }
            sb.append('\n');
        }
        sb.append("Total reclaimed space: ").append(HumanUnits.size(report.path("SpaceReclaimed").asDouble())).append('\n');
        cli.out().print(sb);
        return 0;
    }
}
