package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.sys.Terminal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** berth load: loads images from a docker archive (file or stdin). */
public final class LoadCommand extends BaseCommand {
    private String input;
    private boolean quiet;
    private String platform;

    public LoadCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("load", "[OPTIONS]", "Load an image from a tar archive or STDIN", 0, 0);
    }

    @Override
    public void define(FlagSet f) {
        f.string("i,input", "string", "Read from tar archive file, instead of STDIN", v -> input = v);
        f.bool("q,quiet", "Suppress the load output", v -> quiet = v);
        f.string("platform", "string", "Load only the given platform variant", v -> platform = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        InputStream body;
        if (input == null) {
            if (Terminal.isTerminal(0)) {
                throw new ExitException(1, "requested load from stdin, but stdin is empty");
            }
            body = cli.in();
        } else {
            try {
                body = Files.newInputStream(Path.of(input));
            } catch (NoSuchFileException e) {
                throw new ExitException(1, "open " + input + ": no such file or directory");
            }
        }
        boolean terminal = Terminal.isTerminal(1);
        Query q = Query.of().add("quiet", quiet || !terminal ? "1" : "0").add("platform", SaveCommand.platformJson(platform));
        try (body; Response r = client().upload("POST", q.on("/images/load"), body, "application/x-tar")) {
            JsonMessages.display(r.body(), cli.out(), terminal, aux -> { });
        }
        return 0;
    }
}
