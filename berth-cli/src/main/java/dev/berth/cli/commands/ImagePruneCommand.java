package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;

import java.util.ArrayList;
import java.util.List;

/** berth image prune: removes dangling (or, with -a, all unused) images. */
public final class ImagePruneCommand extends BaseCommand {
    private boolean all;
    private final List<String> filters = new ArrayList<>();
    private boolean force;

    public ImagePruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("prune", "[OPTIONS]", "Remove unused images", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,all", "Remove all unused images, not just dangling ones", v -> all = v);
        f.list("filter", "filter", "Provide filter values (e.g. \"until=<timestamp>\")", filters);
        f.bool("f,force", "Do not prompt for confirmation", v -> force = v);
    }

    @Override
    public int run(List<String> args) {
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
