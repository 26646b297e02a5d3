package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.DockerClient;
import dev.berth.cli.run.AttachSession;
import dev.berth.cli.run.CreateRequest;
import dev.berth.cli.run.TtyControl;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.List;

/** berth attach: joins a running container's streams; exits with its status when it ends. */
public final class AttachCommand extends BaseCommand {
    private String detachKeys;
    private boolean noStdin;
    private boolean sigProxy = true;

    public AttachCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("attach", "[OPTIONS] CONTAINER", "Attach local standard input, output, and error streams to a running container", 1, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("detach-keys", "string", "Override the key sequence for detaching a container", v -> detachKeys = v);
        f.bool("no-stdin", "Do not attach STDIN", v -> noStdin = v);
        f.bool("sig-proxy", "Proxy all received signals to the process (default true)", v -> sigProxy = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        String container = args.getFirst();
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
        // registered before attaching, as docker does, so a quick exit is not missed
        DockerClient.Pending wait = client().send("POST", "/containers/" + id + "/wait", null);
        try (AttachSession session = AttachSession.open(client(), id, new CreateRequest.Attach(stdin, true, true), detachKeys);
             TtyControl control = tty ? TtyControl.enter(stdin) : null) {
            if (control != null) {
                control.monitorSize(client(), "/containers/" + id + "/resize");
            }
            session.pumpStdin(cli.in());
            session.copyOutput(tty, cli.out(), cli.err());
        }
        var status = CompletableFuture.supplyAsync(() -> client().readJson(wait.response()), Thread::startVirtualThread);
        try {
            return status.get(5, TimeUnit.SECONDS).path("StatusCode").asInt();
        } catch (TimeoutException stillRunning) {
            return 0; // detached with the detach keys: the container goes on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }
}
