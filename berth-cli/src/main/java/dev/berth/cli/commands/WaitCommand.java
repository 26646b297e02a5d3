package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;

import java.util.ArrayList;
import java.util.List;

/** berth wait: prints each container's exit code. */
public final class WaitCommand extends BaseCommand {
    public WaitCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("wait", "CONTAINER [CONTAINER...]", "Block until one or more containers stop, then print their exit codes", 1, -1);
    }

    @Override
    public int run(List<String> containers) {
        return forEach(containers, c -> {
            var res = client().postJson("/containers/" + seg(c) + "/wait", null);
            cli.out().println(res.path("StatusCode").asLong());
            cli.out().flush();
        });
    }
}
