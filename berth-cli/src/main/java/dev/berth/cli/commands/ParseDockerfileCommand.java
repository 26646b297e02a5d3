package dev.berth.cli.commands;

import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.dockerfile.DockerfileParser;
import dev.berth.dockerfile.DockerfileSyntaxException;
import dev.berth.dockerfile.GoText;
import dev.berth.dockerfile.Heredoc;
import dev.berth.dockerfile.ParsedDockerfile;
import dev.berth.dockerfile.Statement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * berth debug parse-dockerfile FILE: prints the parse of a Dockerfile in Docker's parser-dump format
 * (one {@code (instruction "arg" ...)} line per instruction); {@code -} reads standard input.
 */
public final class ParseDockerfileCommand extends BaseCommand {
    private boolean verbose;

    public ParseDockerfileCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("parse-dockerfile", "FILE", "Print how a Dockerfile parses, in Docker's parser dump format", 1, 1);
    }

    @Override
    public void define(FlagSet flags) {
        flags.bool("v,verbose", "Also print line numbers, parser directives, heredoc bodies and warnings", v -> verbose = v);
    }

    @Override
    public int run(List<String> args) throws IOException {
        String file = args.getFirst();
        String text;
        try {
            byte[] bytes = file.equals("-") ? cli.in().readAllBytes() : Files.readAllBytes(Path.of(file));
            text = GoText.decodeUtf8(bytes);
        } catch (NoSuchFileException e) {
            throw new ExitException(1, "open " + file + ": no such file or directory");
        }
        ParsedDockerfile parsed;
        try {
            parsed = DockerfileParser.parse(text);
        } catch (DockerfileSyntaxException e) {
            throw new ExitException(1, e.getMessage());
        }
        if (!verbose) {
            cli.out().print(parsed.dump());
        } else {
            parsed.directives().forEach((k, v) -> cli.out().println("# " + k + "=" + v));
            for (Statement s : parsed.statements()) {
                cli.out().println(s.dump() + "  # lines " + s.startLine() + "-" + s.endLine());
                for (Heredoc h : s.heredocs()) {
                    cli.out().println("  <<" + (h.chomp() ? "-" : "") + h.name() + (h.expand() ? "" : " (no expansion)")
                            + (h.fileDescriptor() != 0 ? " fd " + h.fileDescriptor() : "") + ": " + GoText.quote(h.content()));
                }
            }
            parsed.warnings().forEach(w -> cli.err().println("warning: " + w));
        }
        cli.out().flush();
        return 0;
    }
}
