package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Json;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** berth events: the daemon's events, past ones from --since, live ones until --until or Ctrl-C. */
public final class EventsCommand extends BaseCommand {
    /** Go's RFC3339NanoFixed, as docker prints event times. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX");

    private String since;
    private String until;
    private String format;
    private final List<String> filters = new ArrayList<>();

    public EventsCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("events", "[OPTIONS]", "Get real time events from the server", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.list("f,filter", "filter", "Filter output based on conditions provided", filters);
        f.string("format", "string", "Format output using a custom template", v -> format = v);
        f.string("since", "string", "Show all events created since timestamp", v -> since = v);
        f.string("until", "string", "Stream events until this timestamp", v -> until = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        GoTemplate template = null;
        if (format != null && !format.isEmpty()) {
            try {
                template = GoTemplate.parse(format.equals("json") ? "{{json .}}" : format);
            } catch (TemplateException e) {
                throw new ExitException(1, e.getMessage());
            }
        }
        Instant now = Instant.now();
        String path = Query.of().add("since", Times.apiTimestamp(since, now)).add("until", Times.apiTimestamp(until, now))
                .add("filters", filtersJson(filters)).on("/events");
        try (Response r = client().call("GET", path, null)) {
            Iterator<JsonNode> it = Json.stream(r.body());
            while (it.hasNext()) {
                JsonNode e = it.next();
                if (template != null) {
                    try {
                        cli.out().println(template.execute(e));
                    } catch (TemplateException ex) {
                        throw new ExitException(1, ex.getMessage());
                    }
                } else {
                    cli.out().println(line(e));
                }
                cli.out().flush();
            }
        }
        return 0;
    }

    /** docker's default line: time, type, action, actor ID, then the attributes sorted by name. */
    static String line(JsonNode e) {
        long nanos = e.path("timeNano").asLong();
        String time = Instant.ofEpochSecond(0, nanos).atZone(ZoneId.systemDefault()).format(TIME);
        StringBuilder sb = new StringBuilder(time).append(' ').append(e.path("Type").asText()).append(' ')
                .append(e.path("Action").asText()).append(' ').append(e.path("Actor").path("ID").asText());
        Map<String, String> attrs = new TreeMap<>();
        e.path("Actor").path("Attributes").properties().forEach(a -> attrs.put(a.getKey(), a.getValue().asText()));
        if (!attrs.isEmpty()) {
            sb.append(" (");
            boolean first = true;
            for (var a : attrs.entrySet()) {
                sb.append(first ? "" : ", ").append(a.getKey()).append('=').append(a.getValue());
                first = false;
            }
            sb.append(')');
        }
        return sb.toString();
    }
}
