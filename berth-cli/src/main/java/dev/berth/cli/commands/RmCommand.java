package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.client.Query;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** berth rm. */
@Command(name = "rm", customSynopsis = "[OPTIONS] CONTAINER [CONTAINER...]", description = "Remove one or more containers")
public final class RmCommand extends BaseCommand {
    @Option(names = {"-f", "--force"}, description = "Force the removal of a running container (uses SIGKILL)")
    boolean force;

    @Option(names = {"-l", "--link"}, description = "Remove the specified link")
    boolean link;

    @Option(names = {"-v", "--volumes"}, description = "Remove anonymous volumes associated with the container")
    boolean volumes;

    @Parameters(arity = "1..*", paramLabel = "CONTAINER")
    List<String> containers = new ArrayList<>();

    RmCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        return forEach(containers, c -> {
            String name = c.strip();
            if (name.startsWith("/")) {
                name = name.substring(1);
            }
            client().send("DELETE", Query.of().flag("force", force).flag("link", link).flag("v", volumes).on("/containers/" + seg(name)));
            cli.out().println(c);
        });
    }
}
