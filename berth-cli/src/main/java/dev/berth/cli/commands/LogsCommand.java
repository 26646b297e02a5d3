package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.cli.client.StreamDemux;
import dev.berth.cli.run.RawCopy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Instant;

/** berth logs: the container's log, demultiplexed unless it has a TTY. */
@Command(name = "logs", customSynopsis = "[OPTIONS] CONTAINER", description = "Fetch the logs of a container")
public final class LogsCommand extends BaseCommand {
    @Option(names = "--details", description = "Show extra details provided to logs")
    boolean details;

    @Option(names = {"-f", "--follow"}, description = "Follow log output")
    boolean follow;

    @Option(names = "--since", paramLabel = "string", description = "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)")
    String since;

    @Option(names = {"-n", "--tail"}, paramLabel = "string", description = "Number of lines to show from the end of the logs (default \"all\")")
    String tail = "all";

    @Option(names = {"-t", "--timestamps"}, description = "Show timestamps")
    boolean timestamps;

    @Option(names = "--until", paramLabel = "string", description = "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)")
    String until;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    LogsCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() throws IOException {
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
