package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.run.ContainerRunner;
import dev.berth.cli.run.CreateRequest;
import dev.berth.cli.run.ExitCodes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** berth start: starts containers, or one container attached (-a/-i) with its exit status. */
public final class StartCommand extends BaseCommand {
    private boolean attach;
    private String detachKeys;
    private boolean interactive;

    public StartCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("start", "[OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,attach", "Attach STDOUT/STDERR and forward signals", v -> attach = v);
        f.string("detach-keys", "string", "Override the key sequence for detaching a container", v -> detachKeys = v);
        f.bool("i,interactive", "Attach container's STDIN", v -> interactive = v);
    }

    @Override
    public int run(List<String> containers) throws IOException {
        if (!attach && !interactive) {
            return forEach(containers, c -> {
                try {
                    client().send("POST", "/containers/" + seg(c) + "/start");
                } catch (DaemonException e) {
                    throw new ExitException(1, e.getMessage());
                }
                cli.out().println(c);
            });
        }
        if (containers.size() > 1) {
            throw new ExitException(1, "you cannot start and attach multiple containers at once");
        }
        JsonNode c = client().getJson("/containers/" + seg(containers.getFirst()) + "/json");
        String id = c.path("Id").asText();
        boolean tty = c.path("Config").path("Tty").asBoolean(false);
        boolean stdin = interactive && c.path("Config").path("OpenStdin").asBoolean(false);
        var spec = new ContainerRunner.Spec(id, tty, new CreateRequest.Attach(stdin, true, true),
                c.path("HostConfig").path("AutoRemove").asBoolean(false), !tty, detachKeys);
        ContainerRunner runner = new ContainerRunner(cli);
        return runner.attachAndStart(spec, () -> {
            try {
                cli.client().send("POST", "/containers/" + id + "/start");
            } catch (DaemonException e) {
                throw new ExitException(ExitCodes.forStartError(e.getMessage()), e.getMessage());
            }
        });
    }
}
