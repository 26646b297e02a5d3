package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** berth image prune: removes dangling (or, with -a, all unused) images. */
@Command(name = "prune", customSynopsis = "[OPTIONS]", description = "Remove unused images")
public final class ImagePruneCommand extends BaseCommand {
    @Option(names = {"-a", "--all"}, description = "Remove all unused images, not just dangling ones")
    boolean all;

    @Option(names = "--filter", paramLabel = "filter", description = "Provide filter values (e.g. \"until=<timestamp>\")")
    List<String> filters = new ArrayList<>();

    @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation")
    boolean force;

    ImagePruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        String warning = all ? "WARNING! This will remove all images without at least one container associated to them."
                : "WARNING! This will remove all dangling images.";
        if (!force && !confirm(warning)) {
            return 0;
        }
        List<String> f = new ArrayList<>(filters);
        f.add("dangling=" + !all);
        JsonNode report = client().postJson(Query.of().add("filters", filtersJson(f)).on("/images/prune"), null);
        StringBuilder sb = new StringBuilder();
        if (!report.path("ImagesDeleted").isEmpty()) {
            sb.append("Deleted Images:\n");
            for (JsonNode d : report.path("ImagesDeleted")) {
                if (d.hasNonNull("Untagged")) {
                    sb.append("untagged: ").append(d.get("Untagged").asText()).append('\n');
                }
                if (d.hasNonNull("Deleted")) {
                    sb.append("deleted: ").append(d.get("Deleted").asText()).append('\n');
                }
            }
            sb.append('\n');
        }
        sb.append("Total reclaimed space: ").append(HumanUnits.size(report.path("SpaceReclaimed").asDouble())).append('\n');
        cli.out().print(sb);
        return 0;
    }
}
