package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.Query;

import java.util.ArrayList;
import java.util.List;

/** berth rm. */
public final class RmCommand extends BaseCommand {
    private boolean force;
    private boolean link;
    private boolean volumes;

    public RmCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("rm", "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("f,force", "Force the removal of a running container (uses SIGKILL)", v -> force = v);
        f.bool("l,link", "Remove the specified link", v -> link = v);
        f.bool("v,volumes", "Remove anonymous volumes associated with the container", v -> volumes = v);
    }

    @Override
    public int run(List<String> containers) {
        return forEach(containers, c -> {
            String name = c.strip();
            if (name.startsWith("/")) {
                name = name.substring(1);
            }
            try {
                client().send("DELETE", Query.of().flag("force", force).flag("link", link).flag("v", volumes).on("/containers/" + seg(name)));
            } catch (DaemonException e) {
                if (force && e.notFound()) {
                    cli.err().println(e.getMessage()); // docker rm -f reports a missing container but does not fail
                    return;
                }
                throw e;
            }
            cli.out().println(c);
        });
    }
}
