package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import picocli.CommandLine.Command;

import java.util.List;

/** berth image inspect. */
@Command(name = "inspect", customSynopsis = "[OPTIONS] IMAGE [IMAGE...]", description = "Display detailed information on one or more images")
public final class ImageInspectCommand extends InspectCommand {
    ImageInspectCommand(Cli cli) {
        super(cli);
    }

    @Override
    protected List<String> kinds() {
        return List.of("image");
    }
}
