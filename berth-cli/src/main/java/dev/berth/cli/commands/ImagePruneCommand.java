package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;

import java.util.List;

/** berth image prune: removes dangling (or, with -a, all unused) images. */
public final class ImagePruneCommand extends PruneCommand {
    private boolean all;

    public ImagePruneCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("prune", "[OPTIONS]", "Remove unused images", 0, 0);
    }

    @Override
    void defineMore(FlagSet f) {
        f.bool("a,all", "Remove all unused images, not just dangling ones", v -> all = v);
    }

    @Override
    String warning() {
        return all ? "WARNING! This will remove all images without at least one container associated to them."
                : "WARNING! This will remove all dangling images.";
    }

    @Override
    String path() {
        return "/images/prune";
    }

    @Override
    void addFilters(List<String> f) {
        f.add("dangling=" + !all);
    }

    @Override
    void report(JsonNode report, StringBuilder out) {
        if (!report.path("ImagesDeleted").isEmpty()) {
            out.append("Deleted Images:\n");
            for (JsonNode d : report.path("ImagesDeleted")) {
                if (d.hasNonNull("Untagged")) {
                    out.append("untagged: ").append(d.get("Untagged").asText()).append('\n');
                }
                if (d.hasNonNull("Deleted")) {
                    out.append("deleted: ").append(d.get("Deleted").asText()).append('\n');
                }
            }
            out.append('\n');
        }
        reclaimed(out, report);
    }
}
