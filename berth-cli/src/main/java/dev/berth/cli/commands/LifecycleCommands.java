package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** Commands that POST one action per container and print each name: pause, unpause, restart. */
public final class LifecycleCommands {
    private LifecycleCommands() {}

    /** Shared positional list and loop. */
    abstract static class PerContainer extends BaseCommand {
        @Parameters(arity = "1..*", paramLabel = "CONTAINER")
        List<String> containers = new ArrayList<>();

        PerContainer(Cli cli) {
            super(cli);
        }

        abstract String path(String container);

        @Override
        public Integer call() {
            return forEach(containers, c -> {
                client().send("POST", path(c));
                cli.out().println(c);
            });
        }
    }

    /** berth pause. */
    @Command(name = "pause", customSynopsis = "CONTAINER [CONTAINER...]", description = "Pause all processes within one or more containers")
    public static final class Pause extends PerContainer {
        Pause(Cli cli) {
            super(cli);
        }

        @Override
        String path(String c) {
            return "/containers/" + seg(c) + "/pause";
        }
    }

    /** berth unpause. */
    @Command(name = "unpause", customSynopsis = "CONTAINER [CONTAINER...]", description = "Unpause all processes within one or more containers")
    public static final class Unpause extends PerContainer {
        Unpause(Cli cli) {
            super(cli);
        }

        @Override
        String path(String c) {
            return "/containers/" + seg(c) + "/unpause";
        }
    }

    /** berth restart. */
    @Command(name = "restart", customSynopsis = "[OPTIONS] CONTAINER [CONTAINER...]", description = "Restart one or more containers")
    public static final class Restart extends PerContainer {
        @Option(names = {"-s", "--signal"}, paramLabel = "string", description = "Signal to send to the container")
        String signal;

        @Option(names = {"-t", "--timeout", "--time"}, paramLabel = "int", description = "Seconds to wait before killing the container")
        Integer timeout;

        Restart(Cli cli) {
            super(cli);
        }

        @Override
        String path(String c) {
            Query q = Query.of().add("signal", signal);
            if (timeout != null) {
                q.add("t", timeout);
            }
            return q.on("/containers/" + seg(c) + "/restart");
        }
    }
}
