package dev.berth.cli;

import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.DaemonUnreachableException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;

/** berth's entry point: parses like the docker CLI, runs the command, exits with docker's codes. */
public final class Berth {
    private Berth() {}

    public static void main(String[] args) {
        Cli cli = Cli.system();
        int code = run(args, cli);
        cli.out().flush();
        cli.err().flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit status. */
    public static int run(String[] args, Cli cli) {
        if (args.length == 1 && args[0].equals("--aot-training")) {
            return AotTraining.run(cli);
        }
        String name = Commands.commandName(args);
        if (name != null && Commands.find(name) == null) {
            cli.err().println("berth: unknown command: berth " + name + "\n\nRun 'berth --help' for more information");
            return 1;
        }
        CommandLine top = Commands.build(cli, args);
        ParseResult parsed;
        try {
            parsed = top.parseArgs(args);
        } catch (ParameterException e) {
            return usageError(cli, e);
        }
        ParseResult leaf = parsed;
        boolean help = parsed.isUsageHelpRequested();
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
            help |= leaf.isUsageHelpRequested();
        }
        CommandSpec spec = leaf.commandSpec();
        if (help || !(spec.userObject() instanceof Callable<?>)) {
            if (spec.parent() == null && cli.globals().version && !help) {
                cli.out().println("Berth version " + Cli.VERSION);
                return 0;
            }
            cli.out().print(DockerHelp.render(spec));
            return 0;
        }
        return execute(cli, (Callable<?>) spec.userObject());
    }

    static int execute(Cli cli, Callable<?> command) {
        try {
            Object result = command.call();
            return result instanceof Integer i ? i : 0;
        } catch (ExitException e) {
            if (e.getMessage() != null) {
                cli.err().println(e.getMessage());
            }
            return e.code();
        } catch (DaemonException | DaemonUnreachableException e) {
            cli.err().println(e.getMessage());
            return 1;
        } catch (UncheckedIOException e) {
            cli.err().println("error during connect: " + e.getCause().getMessage());
            return 1;
        } catch (IOException e) {
            cli.err().println("error during connect: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            cli.err().println(e.getMessage() == null ? e.toString() : e.getMessage());
            if (cli.globals().debug()) {
                e.printStackTrace(cli.err());
            }
            return 1;
        } finally {
            cli.out().flush();
        }
    }

    /** Docker's messages for flag and argument errors: 125 for flags, 1 for argument counts. */
    static int usageError(Cli cli, ParameterException e) {
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        String name = DockerHelp.fullName(spec);
        String usage = DockerHelp.usageLine(spec);
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            String first = unmatched.isEmpty() ? "" : unmatched.getFirst();
            if (first.startsWith("-") && !first.equals("-")) {
                return flagError(cli, spec, first.startsWith("--") ? "unknown flag: " + first.split("=", 2)[0]
                        : "unknown shorthand flag: '" + first.charAt(1) + "' in " + first);
            }
            cli.err().println("berth: '" + name + "' accepts no arguments\n\n" + usage + "\n\nSee '" + name + " --help' for more information");
            return 1;
        }
        if (e instanceof CommandLine.MissingParameterException m) {
            List<CommandLine.Model.ArgSpec> missing = m.getMissing();
            if (!missing.isEmpty() && missing.getFirst() instanceof OptionSpec o) {
                return flagError(cli, spec, "flag needs an argument: " + o.longestName());
            }
            return argCountError(cli, spec, name, usage);
        }
        if (e instanceof CommandLine.MaxValuesExceededException) {
            return argCountError(cli, spec, name, usage);
        }
        if (e.getArgSpec() instanceof OptionSpec o) {
            return flagError(cli, spec, "invalid argument for \"" + String.join(", ", o.names()) + "\" flag: " + e.getMessage());
        }
        return flagError(cli, spec, e.getMessage());
    }

    private static int flagError(Cli cli, CommandSpec spec, String message) {
        String name = DockerHelp.fullName(spec);
        cli.err().println(message + "\n\n" + DockerHelp.usageLine(spec) + "\n\nRun '" + name + " --help' for more information");
        return 125;
    }

    private static int argCountError(Cli cli, CommandSpec spec, String name, String usage) {
        String requirement = "requires at least 1 argument";
        List<PositionalParamSpec> ps = spec.positionalParameters();
        if (!ps.isEmpty()) {
            int min = 0;
            int max = 0;
            for (PositionalParamSpec p : ps) {
                min += p.arity().min();
                max = p.arity().isVariable() || max == Integer.MAX_VALUE ? Integer.MAX_VALUE : max + p.arity().max();
            }
            String plural = min == 1 ? " argument" : " arguments";
            requirement = min == max ? "requires exactly " + min + plural : "requires at least " + min + plural;
        }
        cli.err().println("berth: '" + name + "' " + requirement + "\n\n" + usage + "\n\nSee '" + name + " --help' for more information");
        return 1;
    }
}
