package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.Response;
import dev.berth.sys.Terminal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** berth export: a container's filesystem as a tar, to a file or to stdout (never to a terminal). */
public final class ExportCommand extends BaseCommand {
    private String output;

    public ExportCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("export", "[OPTIONS] CONTAINER", "Export a container's filesystem as a tar archive", 1, 1);
    }

    @Override
    public void define(FlagSet f) {
        f.string("o,output", "string", "Write to a file, instead of STDOUT", v -> output = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        if ((output == null || output.isEmpty()) && Terminal.isTerminal(1)) {
            throw new ExitException(1, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        try (Response r = client().call("GET", "/containers/" + seg(args.getFirst()) + "/export", null)) {
            if (output == null || output.isEmpty()) {
                OutputStream out = cli.out();
                r.body().transferTo(out);
                out.flush();
            } else {
                // written beside the target and renamed, so a failed export leaves no partial file
                Path target = Path.of(output).toAbsolutePath();
                Path tmp = Files.createTempFile(target.getParent(), ".export-", ".tar");
                try {
                    Files.copy(r.body(), tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        }
        return 0;
    }
}
