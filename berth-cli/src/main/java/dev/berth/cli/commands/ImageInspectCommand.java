package dev.berth.cli.commands;

import dev.berth.cli.Cli;

/** berth image inspect. */
public final class ImageInspectCommand extends InspectCommand {
    public ImageInspectCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("inspect", "[OPTIONS] IMAGE [IMAGE...]", "Display detailed information on one or more images", 1, -1);
    }

    @Override
    protected String kindsFixed() {
        return "image";
    }
}
