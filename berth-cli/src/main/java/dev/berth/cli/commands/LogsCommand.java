package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.cli.client.StreamDemux;
import dev.berth.cli.run.RawCopy;

import java.io.IOException;
import java.util.List;
import java.time.Instant;

/** berth logs: the container's log, demultiplexed unless it has a TTY. */
public final class LogsCommand extends BaseCommand {
    private boolean details;
    private boolean follow;
    private String since;
    private String tail = "all";
    private boolean timestamps;
    private String until;

    public LogsCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("logs", "[OPTIONS] CONTAINER", "Fetch the logs of a container", 1, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("details", "Show extra details provided to logs", v -> details = v);
        f.bool("f,follow", "Follow log output", v -> follow = v);
        f.string("since", "string", "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)", v -> since = v);
        f.string("n,tail", "string", "Number of lines to show from the end of the logs (default \"all\")", v -> tail = v);
        f.bool("t,timestamps", "Show timestamps", v -> timestamps = v);
        f.string("until", "string", "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)", v -> until = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        String container = args.getFirst();
        JsonNode c = client().getJson("/containers/" + seg(container) + "/json");
        Instant now = Instant.now();
        Query q = Query.of();
        try {
            q.flag("details", details).flag("follow", follow).add("since", Times.apiTimestamp(since, now)).bool("stderr", true)
                    .bool("stdout", true).add("tail", tail).flag("timestamps", timestamps).add("until", Times.apiTimestamp(until, now));
        } catch (IllegalArgumentException e) {
            throw new ExitException(1, e.getMessage());
        }
        try (Response r = client().call("GET", q.on("/containers/" + seg(container) + "/logs"), null)) {
            if (c.path("Config").path("Tty").asBoolean(false)) {
                RawCopy.copy(r.body(), cli.out());
            } else {
                StreamDemux.copy(r.body(), cli.out(), cli.err());
            }
        }
        return 0;
    }
}
