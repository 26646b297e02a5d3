package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.ListOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** berth history: an image's layers, newest first, as docker's history table. */
@Command(name = "history", customSynopsis = "[OPTIONS] IMAGE", description = "Show the history of an image")
public final class HistoryCommand extends BaseCommand {
    static final Map<String, String> HEADERS = Map.of("ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
            "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");
    static final String TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

    @Option(names = "--format", paramLabel = "string", description = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.")
    String format;

    @Option(names = {"-H", "--human"}, negatable = false, description = "Print sizes and dates in human readable format (default true)")
    boolean human = true;

    @Option(names = "--no-trunc", description = "Don't truncate output")
    boolean noTrunc;

    @Option(names = {"-q", "--quiet"}, description = "Only show image IDs")
    boolean quiet;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String image;

    HistoryCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        JsonNode history = client().getJson("/images/" + seg(image) + "/history");
        Instant now = Instant.now();
        List<ObjectNode> rows = new ArrayList<>();
        for (JsonNode h : history) {
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            String id = h.path("Id").asText();
            Instant created = Instant.ofEpochSecond(h.path("Created").asLong());
            String createdBy = h.path("CreatedBy").asText().replace("\t", " ");
            r.put("Comment", h.path("Comment").asText());
            r.put("CreatedAt", human ? Times.goTime(created) : created.toString());
            r.put("CreatedBy", noTrunc ? createdBy : Ellipsis.of(createdBy, 45));
            r.put("CreatedSince", human ? Times.ago(created, now) : created.toString());
            r.put("ID", id.equals("<missing>") || noTrunc ? id : HumanUnits.truncateId(id));
            r.put("Size", human ? HumanUnits.size(h.path("Size").asDouble()) : Long.toString(h.path("Size").asLong()));
            rows.add(r);
        }
        ListOutput.print(cli, quiet ? "{{.ID}}" : format, TABLE, HEADERS, rows);
        return 0;
    }
}
