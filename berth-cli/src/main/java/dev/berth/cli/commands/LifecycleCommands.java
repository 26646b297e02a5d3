package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;

import java.util.List;

/** Commands that POST one action per container and print each name: pause, unpause, restart. */
public final class LifecycleCommands {
    private LifecycleCommands() {}

    /** Shared loop. */
    abstract static class PerContainer extends BaseCommand {
        PerContainer(Cli cli) {
            super(cli);
        }

        abstract String path(String container);

        @Override
        public int run(List<String> containers) {
            return forEach(containers, c -> {
                client().send("POST", path(c));
                cli.out().println(c);
            });
        }
    }

    /** berth pause. */
    public static final class Pause extends PerContainer {
        public Pause(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("pause", "CONTAINER [CONTAINER...]", "Pause all processes within one or more containers", 1, -1);
        }

        @Override
        String path(String c) {
            return "/containers/" + seg(c) + "/pause";
        }
    }

    /** berth unpause. */
    public static final class Unpause extends PerContainer {
        public Unpause(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("unpause", "CONTAINER [CONTAINER...]", "Unpause all processes within one or more containers", 1, -1);
        }

        @Override
        String path(String c) {
            return "/containers/" + seg(c) + "/unpause";
        }
    }

    /** berth restart. */
    public static final class Restart extends PerContainer {
        private String signal;
        private Long timeout;

        public Restart(Cli cli) {
            super(cli);
        }

        @Override
        public Spec spec() {
            return Spec.of("restart", "[OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers", 1, -1);
        }

        @Override
        public void define(FlagSet f) {
            f.string("s,signal", "string", "Signal to send to the container", v -> signal = v);
            f.integer("t,timeout", "int", "Seconds to wait before killing the container", v -> timeout = v);
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
