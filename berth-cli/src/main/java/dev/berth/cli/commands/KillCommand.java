package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** berth kill. */
@Command(name = "kill", customSynopsis = "[OPTIONS] CONTAINER [CONTAINER...]", description = "Kill one or more running containers")
public final class KillCommand extends BaseCommand {
    @Option(names = {"-s", "--signal"}, paramLabel = "string", description = "Signal to send to the container")
    String signal;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> containers = new ArrayList<>();

    KillCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        return forEach(containers, c -> {
            client().send("POST", Query.of().add("signal", signal).on("/containers/" + seg(c) + "/kill"));
            cli.out().println(c);
        });
    }
}
