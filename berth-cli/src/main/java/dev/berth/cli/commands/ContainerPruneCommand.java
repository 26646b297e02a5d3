package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** berth container prune: removes all stopped containers. */
@Command(name = "prune", customSynopsis = "[OPTIONS]", description = "Remove all stopped containers")
public final class ContainerPruneCommand extends BaseCommand {
    @Option(names = "--filter", paramLabel = "filter", description = "Provide filter values (e.g. \"until=<timestamp>\")")
    List<String> filters = new ArrayList<>();

    @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
    boolean force;

    ContainerPruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
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
