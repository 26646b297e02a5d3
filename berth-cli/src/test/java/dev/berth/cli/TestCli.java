package dev.berth.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A {@link Cli} with captured output, for running commands in unit tests. */
public final class TestCli {
    public final ByteArrayOutputStream out = new ByteArrayOutputStream();
    public final ByteArrayOutputStream err = new ByteArrayOutputStream();
    public final Cli cli;

    public TestCli(Map<String, String> env) {
        cli = new Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(new byte[0]), env);
    }

    public TestCli() {
        this(Map.of());
    }

    /** Runs a command line and returns its exit status. */
    public int run(String... args) {
        return Berth.run(args, cli);
    }

    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The command object picocli would run for these arguments, options filled in. */
    public Object parse(String... args) {
        var pr = Commands.build(cli, args).parseArgs(args);
        while (pr.hasSubcommand()) {
            pr = pr.subcommand();
        }
        return pr.commandSpec().userObject();
    }
}
