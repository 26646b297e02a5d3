package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.run.ContainerRunner;
import dev.berth.cli.run.CreateRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/** berth run: create, attach, wait, start, stream, and exit with the container's status. */
@Command(name = "run", customSynopsis = "[OPTIONS] IMAGE [COMMAND] [ARG...]", description = "Create and run a new container from an image")
public final class RunCommand extends CreateCommand {
    @Option(names = {"-d", "--detach"}, description = "Run container in background and print container ID")
    boolean detach;

    @Option(names = "--detach-keys", paramLabel = "string", description = "Override the key sequence for detaching a container")
    String detachKeys;

    @Option(names = "--sig-proxy", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Proxy received signals to the process (default true)")
    boolean sigProxy = true;

    RunCommand(Cli cli) {
        super(cli);
    }

    @Override
    protected String commandName() {
        return "run";
    }

    @Override
    protected boolean detached() {
        return detach;
    }

    @Override
    protected boolean attachesHere() {
        return !detach;
    }

    @Override
    public Integer call() throws IOException {
        String id = create();
        ContainerRunner runner = new ContainerRunner(cli);
        if (detach) {
            runner.start(id, "run");
            cli.out().println(id);
            return 0;
        }
        CreateRequest.Attach at = CreateRequest.attach(options, false);
        var spec = new ContainerRunner.Spec(id, options.tty, at, options.rm, sigProxy, detachKeys);
        return runner.attachAndStart(spec, () -> runner.start(id, "run"));
    }
}
