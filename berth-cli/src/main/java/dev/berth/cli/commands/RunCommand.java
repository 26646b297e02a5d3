package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.run.ContainerRunner;
import dev.berth.cli.run.CreateRequest;

import java.io.IOException;
import java.util.List;

/** berth run: create, attach, wait, start, stream, and exit with the container's status. */
public final class RunCommand extends CreateCommand {
    private boolean detach;
    private String detachKeys;
    private boolean sigProxy = true;

    public RunCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return new Spec("run", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image", 1, -1, false);
    }

    @Override
    public void define(FlagSet f) {
        options.define(f);
        f.bool("d,detach", "Run container in background and print container ID", v -> detach = v);
        f.string("detach-keys", "string", "Override the key sequence for detaching a container", v -> detachKeys = v);
        f.bool("sig-proxy", "Proxy received signals to the process (default true)", v -> sigProxy = v);
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
    public int run(List<String> args) throws IOException {
        take(args);
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
