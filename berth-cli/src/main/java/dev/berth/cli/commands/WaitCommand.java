package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** berth wait: prints each container's exit code. */
@Command(name = "wait", customSynopsis = "CONTAINER [CONTAINER...]", description = "Block until one or more containers stop, then print their exit codes")
public final class WaitCommand extends BaseCommand {
    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> containers = new ArrayList<>();

    WaitCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        return forEach(containers, c -> {
            var res = client().postJson("/containers/" + seg(c) + "/wait", null);
            cli.out().println(res.path("StatusCode").asLong());
            cli.out().flush();
        });
    }
}
