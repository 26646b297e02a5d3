package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;

import java.util.ArrayList;
import java.util.List;

/** berth container prune: removes all stopped containers. */
public final class ContainerPruneCommand extends BaseCommand {
    private final List<String> filters = new ArrayList<>();
    private boolean force;

    public ContainerPruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("prune", "[OPTIONS]", "Remove all stopped containers", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.list("filter", "filter", "Provide filter values (e.g. \"until=<timestamp>\")", filters);
        f.bool("f,force", "Do not prompt for confirmation", v -> force = v);
    }

    @Override
    public int run(List<String> args) {
        if (!force && !confirm("WARNING! This will remove all stopped containers.")) {
            return 0;
        }
        JsonNode report = client().postJson(Query.of().add("filters", filtersJson(filters)).on("/containers/prune"), null);
        StringBuilder sb = new StringBuilder();
        if (!report.path("ContainersDeleted").isEmpty()) {
            sb.append("Deleted Containers:\n");
            report.path("ContainersDeleted").forEach(id -> sb.append(id.asText()).append('\n'));
            sb.append('\n');
        }
        sb.append("Total reclaimed space: ").append(HumanUnits.size(report.path("SpaceReclaimed").asDouble())).append('\n');
        cli.out().print(sb);
        return 0;
    }
}
