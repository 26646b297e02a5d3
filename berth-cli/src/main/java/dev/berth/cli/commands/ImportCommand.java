package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.FlagSet;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** berth import: a root filesystem tarball (file, URL or "-" for stdin) becomes an image; prints its ID. */
public final class ImportCommand extends BaseCommand {
    private final List<String> changes = new ArrayList<>();
    private String message;
    private String platform;

    public ImportCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("import", "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a filesystem image", 1, -1);
    }

    @Override
    public void define(FlagSet f) {
        f.list("c,change", "list", "Apply Dockerfile instruction to the created image", changes);
        f.string("m,message", "string", "Set commit message for imported image", v -> message = v);
        f.string("platform", "string", "Set platform if server is multi-platform capable", v -> platform = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        String source = args.get(0);
        String reference = args.size() > 1 ? args.get(1) : null;
        boolean url = source.startsWith("http://") || source.startsWith("https://");
        Query q = Query.of();
        for (String c : changes) {
            q.add("changes", c);
        }
        q.add("fromSrc", url ? source : "-").add("message", message).add("platform", platform).add("repo", reference);
        InputStream body;
        if (url) {
            body = InputStream.nullInputStream();
        } else if (source.equals("-")) {
            body = cli.in();
        } else {
            try {
                body = Files.newInputStream(Path.of(source));
            } catch (NoSuchFileException e) {
                throw new ExitException(1, "open " + source + ": no such file or directory");
            }
        }
        try (body; Response r = client().upload("POST", q.on("/images/create"), body, "text/plain")) {
            JsonMessages.display(r.body(), cli.out());
        }
        return 0;
    }
}
