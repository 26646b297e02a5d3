package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** berth stop. */
@Command(name = "stop", customSynopsis = "[OPTIONS] CONTAINER [CONTAINER...]", description = "Stop one or more running containers")
public final class StopCommand extends BaseCommand {
    @Option(names = {"-s", "--signal"}, paramLabel = "string", description = "Signal to send to the container")
    String signal;

    @Option(names = {"-t", "--timeout", "--time"}, paramLabel = "int", description = "Seconds to wait before killing the container")
    Integer timeout;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> containers = new ArrayList<>();

    StopCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        return forEach(containers, c -> {
            Query q = Query.of().add("signal", signal);
            if (timeout != null) {
                q.add("t", timeout);
            }
            client().send("POST", q.on("/containers/" + seg(c) + "/stop"));
            cli.out().println(c);
        });
    }
}
