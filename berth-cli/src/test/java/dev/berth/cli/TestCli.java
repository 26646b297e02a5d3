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

    /** The top-level command for these arguments with its flags and arguments parsed (no run). */
    public Berth.Invocation parse(String... args) {
        var cmd = Commands.find(args[0]).command().apply(cli);
        return Berth.parse(cli, "berth " + args[0], cmd, java.util.List.of(args), 1);
    }
}
