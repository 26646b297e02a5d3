package dev.berth.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.DockerClient;
import dev.berth.cli.client.Query;
import sun.misc.Signal;

import java.io.IOException;
import java.util.List;

/**
 * docker's attached start, shared by run and start -a: attach first, register the wait, start,
 * keep the TTY sized, stream output, and return the container's exit status.
 */
public final class ContainerRunner {
    private final Cli cli;
    private final DockerClient client;

    public ContainerRunner(Cli cli) {
        this.cli = cli;
        this.client = cli.client();
    }

    /** What the attached start needs to know about the container. */
    public record Spec(String id, boolean tty, CreateRequest.Attach attach, boolean autoRemove, boolean sigProxy, String detachKeys) {}

    /** Thrown by {@code start} failures; carries docker's exit code for the message. */
    public interface Starter {
        void start();
    }

    public int attachAndStart(Spec spec, Starter starter) throws IOException {
        boolean attached = spec.attach().stdin() || spec.attach().stdout() || spec.attach().stderr();
        AttachSession session = attached ? AttachSession.open(client, spec.id(), spec.attach(), spec.detachKeys()) : null;
        // as docker: the terminal goes raw and stdin starts flowing before the start, so input typed
        // (or piped, with its end) early is delivered in order
        try (TtyControl tty = spec.tty() ? TtyControl.enter(spec.attach().stdin()) : null) {
            if (session != null) {
                session.pumpStdin(cli.in());
            }
            DockerClient.Pending wait = client.send("POST",
                    Query.of().add("condition", spec.autoRemove() ? "removed" : "next-exit").on("/containers/" + spec.id() + "/wait"), null);
            try {
                starter.start();
            } catch (RuntimeException e) {
                if (session != null) {
                    session.close();
                }
                throw e;
            }
            if (tty != null) {
                tty.monitorSize(client, "/containers/" + spec.id() + "/resize");
            } else if (spec.sigProxy()) {
                proxySignals(spec.id());
            }
            if (session != null) {
                session.copyOutput(spec.tty(), cli.out(), cli.err());
                session.close();
            }
            JsonNode status = client.readJson(wait.response());
            String err = status.path("Error").path("Message").asText("");
            if (!err.isEmpty()) {
                cli.err().println(err);
            }
            return status.path("StatusCode").asInt();
        }
    }

    /** Forwards the signals a user sends to the client to the container (docker's --sig-proxy). */
    private void proxySignals(String id) {
        for (String name : List.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2")) {
            try {
                Signal.handle(new Signal(name), sig -> Thread.ofVirtual().start(() -> {
                    try {
                        client.send("POST", Query.of().add("signal", sig.getName()).on("/containers/" + id + "/kill"));
                    } catch (RuntimeException ignored) {
                        // the container may have exited meanwhile
                    }
                }));
            } catch (IllegalArgumentException ignored) {
                // signal in use by the JVM (e.g. QUIT) or not available
            }
        }
    }

    /** Starts a container, turning a refusal into docker's 125/126/127 exit with the command's help hint. */
    public void start(String id, String command) {
        try {
            client.send("POST", "/containers/" + id + "/start");
        } catch (DaemonException e) {
            throw new ExitException(ExitCodes.forStartError(e.getMessage()), withHelp(e.getMessage(), command));
        }
    }

    /** docker's "docker: ...\n\nRun 'docker run --help' for more information". */
    public static String withHelp(String message, String command) {
        return "berth: " + message + "\n\nRun 'berth " + command + " --help' for more information";
    }
}
