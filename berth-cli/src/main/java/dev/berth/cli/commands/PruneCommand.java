package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.format.HumanUnits;

import java.util.ArrayList;
import java.util.List;

/** What every {@code prune} command shares: the confirmation (or {@code --force}), {@code --filter}, one POST and its report. */
abstract class PruneCommand extends BaseCommand {
    private final List<String> filters = new ArrayList<>();
    private boolean force;

    PruneCommand(Cli cli) {
        super(cli);
    }

    /** The warning the confirmation shows. */
    abstract String warning();

    /** The API path of the prune, e.g. {@code /containers/prune}. */
    abstract String path();

    /** Appends to {@code out} what the daemon's report says went, as docker prints it. */
    abstract void report(JsonNode report, StringBuilder out);

    /** The example the {@code --filter} help gives; null when the command takes no filters. */
    String filterExample() {
        return "until=<timestamp>";
    }

    /** Flags defined before {@code --filter} and {@code --force}. */
    void defineMore(FlagSet f) {
    }

    /** Filters added to the user's (what {@code -a} means). */
    void addFilters(List<String> f) {
    }

    @Override
    public final void define(FlagSet f) {
        defineMore(f);
        if (filterExample() != null) {
            f.list("filter", "filter", "Provide filter values (e.g. \"" + filterExample() + "\")", filters);
        }
        f.bool("f,force", "Do not prompt for confirmation", v -> force = v);
    }

    @Override
    public final int run(List<String> args) {
        if (!force && !confirm(warning())) {
            return 0;
        }
        String target = path();
        if (filterExample() != null) {
            List<String> f = new ArrayList<>(filters);
            addFilters(f);
            target = Query.of().add("filters", filtersJson(f)).on(target);
        }
        StringBuilder out = new StringBuilder();
        report(client().postJson(target, null), out);
        cli.out().print(out);
        return 0;
    }

    /** {@code title}, one line per item and a blank line, unless {@code items} is empty. */
    static void listed(StringBuilder out, String title, JsonNode items) {
        if (!items.isEmpty()) {
            out.append(title).append('\n');
            items.forEach(i -> out.append(i.asText()).append('\n'));
            out.append('\n');
        }
    }

    /** The closing "Total reclaimed space" line. */
    static void reclaimed(StringBuilder out, JsonNode report) {
        out.append("Total reclaimed space: ").append(HumanUnits.size(report.path("SpaceReclaimed").asDouble())).append('\n');
    }
}
