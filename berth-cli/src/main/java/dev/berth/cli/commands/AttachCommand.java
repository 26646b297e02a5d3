package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.run.AttachSession;
import dev.berth.cli.run.CreateRequest;
import dev.berth.cli.run.TtyControl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;

/** berth attach: joins a running container's streams; exits with its status when it ends. */
@Command(name = "attach", customSynopsis = "[OPTIONS] CONTAINER", description = "Attach local standard input, output, and error streams to a running container")
public final class AttachCommand extends BaseCommand {
    @Option(names = "--detach-keys", paramLabel = "string", description = "Override the key sequence for detaching a container")
    String detachKeys;

    @Option(names = "--no-stdin", description = "Do not attach STDIN")
    boolean noStdin;

    @Option(names = "--sig-proxy", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Proxy all received signals to the process (default true)")
    boolean sigProxy = true;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    AttachCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() throws IOException {
        JsonNode c = client().getJson("/containers/" + seg(container) + "/json");
        JsonNode state = c.path("State");
        if (!state.path("Running").asBoolean(false)) {
            throw new ExitException(1, "You cannot attach to a stopped container, start it first");
        }
        if (state.path("Paused").asBoolean(false)) {
            throw new ExitException(1, "You cannot attach to a paused container, unpause it first");
        }
        String id = c.path("Id").asText();
        boolean tty = c.path("Config").path("Tty").asBoolean(false);
        boolean stdin = !noStdin && c.path("Config").path("OpenStdin").asBoolean(false);
        if (tty && stdin && !TtyControl.stdinIsTerminal()) {
            throw new ExitException(1, "the input device is not a TTY");
        }
        try (AttachSession session = AttachSession.open(client(), id, new CreateRequest.Attach(stdin, true, true), detachKeys);
             TtyControl control = tty ? TtyControl.enter(stdin) : null) {
            if (control != null) {
                control.monitorSize(client(), "/containers/" + id + "/resize");
            }
            session.pumpStdin(cli.in());
            session.copyOutput(tty, cli.out(), cli.err());
        }
        JsonNode after = client().getJson("/containers/" + id + "/json");
        if (after.path("State").path("Running").asBoolean(false)) {
            return 0; // detached with the detach keys
        }
        return after.path("State").path("ExitCode").asInt();
    }
}
