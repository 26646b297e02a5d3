package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;

import java.util.ArrayList;
import java.util.List;

/** berth stop. */
public final class StopCommand extends BaseCommand {
    private String signal;
    private Long timeout;

    public StopCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("stop", "[OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("s,signal", "string", "Signal to send to the container", v -> signal = v);
        f.integer("t,timeout", "int", "Seconds to wait before killing the container", v -> timeout = v);
        f.integer("time", "int", "Seconds to wait before killing the container (deprecated: use --timeout)", v -> timeout = v).hideLast();
    }

    @Override
    public int run(List<String> containers) {
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
