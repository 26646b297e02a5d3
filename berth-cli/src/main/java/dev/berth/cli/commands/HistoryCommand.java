package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.output.ListOutput;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** berth history: an image's layers, newest first, as docker's history table. */
public final class HistoryCommand extends BaseCommand {
    static final Map<String, String> HEADERS = Map.of("ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
            "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");
    static final String TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

    private String format;
    private boolean human = true;
    private boolean noTrunc;
    private boolean quiet;

    public HistoryCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("history", "[OPTIONS] IMAGE", "Show the history of an image", 1, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("format", "string", FORMAT_TABLE_HELP, v -> format = v);
        f.bool("H,human", "Print sizes and dates in human readable format (default true)", v -> human = v);
        f.bool("no-trunc", "Don't truncate output", v -> noTrunc = v);
        f.bool("q,quiet", "Only show image IDs", v -> quiet = v);
    }

    @Override
    public int run(List<String> args) {
        String image = args.getFirst();
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
