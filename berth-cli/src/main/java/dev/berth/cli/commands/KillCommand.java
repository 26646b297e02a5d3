package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;

import java.util.ArrayList;
import java.util.List;

/** berth kill. */
public final class KillCommand extends BaseCommand {
    private String signal;

    public KillCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("kill", "[OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("s,signal", "string", "Signal to send to the container", v -> signal = v);
    }

    @Override
    public int run(List<String> containers) {
        return forEach(containers, c -> {
            client().send("POST", Query.of().add("signal", signal).on("/containers/" + seg(c) + "/kill"));
            cli.out().println(c);
        });
    }
}
