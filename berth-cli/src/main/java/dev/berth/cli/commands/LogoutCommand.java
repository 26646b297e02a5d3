package dev.berth.cli.commands;

import dev.berth.cli.Cli;

import java.util.List;

/** berth logout: forgets the stored credentials of a registry. */
public final class LogoutCommand extends BaseCommand {
    public LogoutCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("logout", "[SERVER]", "Log out from a registry", 0, 1);
    }

    @Override
    public int run(List<String> args) {
        String key = Registries.key(args.isEmpty() ? Registries.DOCKER_HUB_KEY : args.getFirst());
        if (new Registries(cli).remove(key)) {
            cli.out().println("Removing login credentials for " + key);
        } else {
            cli.out().println("Not logged in to " + key);
        }
        return 0;
    }
}
