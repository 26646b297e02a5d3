package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.Query;
import dev.berth.cli.run.ContainerOptions;
import dev.berth.cli.run.ContainerRunner;
import dev.berth.cli.run.CreateRequest;
import dev.berth.cli.run.ExitCodes;
import dev.berth.cli.run.TtyControl;

import java.util.ArrayList;
import java.util.List;

/** berth create: POST /containers/create with the body docker builds; prints the new ID. */
public class CreateCommand extends BaseCommand {
    final ContainerOptions options = new ContainerOptions();
    String image;
    List<String> command = new ArrayList<>();

    public CreateCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return new Spec("create", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container", 1, -1, false);
    }

    @Override
    public void define(FlagSet f) {
        options.define(f);
    }

    /** "create" or "run", for docker's help hint. */
    protected String commandName() {
        return "create";
    }

    /** Whether the body asks for no attached streams (run -d); create attaches like an attached run. */
    protected boolean detached() {
        return false;
    }

    /** Whether this command attaches to the container here (only run without -d). */
    protected boolean attachesHere() {
        return false;
    }

    @Override
    public int run(List<String> args) throws java.io.IOException {
        take(args);
        cli.out().println(create());
        return 0;
    }

    /** The image and the container's command from the positional arguments. */
    void take(List<String> args) {
        image = args.getFirst();
        command = new ArrayList<>(args.subList(1, args.size()));
    }

    /** The create request's body; {@code consoleSize} is {rows, cols} for an attached -t run. */
    ObjectNode body(int[] consoleSize) {
        try {
            return CreateRequest.build(options, detached(), image, command, cli::env, consoleSize);
        } catch (CreateRequest.InvalidFlagException e) {
            throw new ExitException(ExitCodes.DAEMON_ERROR, ContainerRunner.withHelp(e.getMessage(), commandName()));
        }
    }

    /** docker's missing-image path: pull (progress on stderr), then create again. */
    private JsonNode pullAndCreate(String path, ObjectNode body) {
        try {
            PullCommand.pull(cli, References.withDefaultTag(image), options.platform, cli.err(),
                    dev.berth.sys.Terminal.isTerminal(2));
            return client().postJson(path, body);
        } catch (DaemonException | java.io.IOException e) {
            throw new ExitException(ExitCodes.DAEMON_ERROR, ContainerRunner.withHelp(e.getMessage(), commandName()));
        }
    }

    /** Creates the container (checking the local terminal for -t -i first) and returns its ID. */
    protected String create() {
        if (attachesHere() && options.tty && options.interactive && !TtyControl.stdinIsTerminal()) {
            throw new ExitException(1, "the input device is not a TTY");
        }
        ObjectNode body = body(attachesHere() && options.tty ? TtyControl.size() : null);
        String path = Query.of().add("name", options.name).add("platform", options.platform).on("/containers/create");
        JsonNode res;
        try {
            res = client().postJson(path, body);
        } catch (DaemonException e) {
            if (!e.notFound() || !e.daemonMessage().toLowerCase(java.util.Locale.ROOT).contains("no such image")) {
                throw new ExitException(ExitCodes.DAEMON_ERROR, ContainerRunner.withHelp(e.getMessage(), commandName()));
            }
            cli.err().println("Unable to find image '" + References.familiar(References.withDefaultTag(image)) + "' locally");
            res = pullAndCreate(path, body);
        }
        for (JsonNode w : res.path("Warnings")) {
            cli.err().println("WARNING: " + w.asText());
        }
        return res.path("Id").asText();
    }
}
