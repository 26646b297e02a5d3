package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Query;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** berth rename. */
@Command(name = "rename", customSynopsis = "CONTAINER NEW_NAME", description = "Rename a container")
public final class RenameCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Parameters(index = "1", paramLabel = "NEW_NAME")
    String newName;

    RenameCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        String name = newName.strip();
        if (name.isEmpty() || container.strip().isEmpty()) {
            throw new ExitException(1, "Error: neither old nor new names may be empty");
        }
        client().send("POST", Query.of().add("name", name).on("/containers/" + seg(container.strip()) + "/rename"));
        return 0;
    }
}
