package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** berth import: a root filesystem tarball (file, URL or "-" for stdin) becomes an image; prints its ID. */
@Command(name = "import", customSynopsis = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]", description = "Import the contents from a tarball to create a filesystem image")
public final class ImportCommand extends BaseCommand {
    @Option(names = {"-c", "--change"}, paramLabel = "list", description = "Apply Dockerfile instruction to the created image")
    List<String> changes = new ArrayList<>();

    @Option(names = {"-m", "--message"}, paramLabel = "string", description = "Set commit message for imported image")
    String message;

    @Option(names = "--platform", paramLabel = "string", description = "Set platform if server is multi-platform capable")
    String platform;

    @Parameters(index = "0", paramLabel = "file|URL|-")
    String source;

    @Parameters(index = "1", arity = "0..1", paramLabel = "REPOSITORY[:TAG]")
    String reference;

    ImportCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Integer call() throws IOException {
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
            JsonMessages.display(cli.json(), r.body(), cli.out());
        }
        return 0;
    }
}
