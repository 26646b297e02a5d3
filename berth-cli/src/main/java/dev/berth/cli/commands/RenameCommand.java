package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Query;

import java.util.List;

/** berth rename. */
public final class RenameCommand extends BaseCommand {
    public RenameCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("rename", "CONTAINER NEW_NAME", "Rename a container", 2, 2);
    }

    @Override
    public int run(List<String> args) {
        String container = args.get(0);
        String newName = args.get(1);
        String name = newName.strip();
        if (name.isEmpty() || container.strip().isEmpty()) {
            throw new ExitException(1, "Error: neither old nor new names may be empty");
        }
        client().send("POST", Query.of().add("name", name).on("/containers/" + seg(container.strip()) + "/rename"));
        return 0;
    }
}
