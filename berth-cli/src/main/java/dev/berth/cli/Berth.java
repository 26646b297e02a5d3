package dev.berth.cli;

import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.DaemonUnreachableException;
import dev.berth.cli.commands.BaseCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

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

    /** A command ready to run: how it was invoked, the command, its flags and arguments. */
    public record Invocation(String path, BaseCommand command, FlagSet flags, List<String> args) {}

    /** Runs one command line and returns its exit status. */
    public static int run(String[] argv, Cli cli) {
        if (argv.length == 1 && argv[0].equals("--aot-training")) {
            return AotTraining.run(cli);
        }
        List<String> args = Arrays.asList(argv);
        FlagSet globals = new FlagSet();
        cli.globals().define(globals);
        globals.addHelp();
        List<String> rest;
        try {
            rest = globals.parse(args, 0, false);
        } catch (FlagSet.UsageException e) {
            cli.err().println(e.getMessage() + "\n\nUsage:  berth [OPTIONS] COMMAND\n\nRun 'berth --help' for more information");
            return e.code();
        }
        if (rest.isEmpty()) {
            if (cli.globals().version && !globals.helpRequested()) {
                cli.out().println("Berth version " + Cli.VERSION);
                return 0;
            }
            cli.out().print(DockerHelp.top(cli, globals));
            return 0;
        }
        Commands.Entry entry = Commands.find(rest.getFirst());
        if (entry == null) {
            cli.err().println("berth: unknown command: berth " + rest.getFirst() + "\n\nRun 'berth --help' for more information");
            return 1;
        }
        String path = "berth " + entry.name();
        Function<Cli, BaseCommand> factory = entry.command();
        int next = 1;
        if (entry.group() != null) {
            Commands.Group group = entry.group();
            if (rest.size() < 2 || rest.get(1).equals("--help") || rest.get(1).equals("-h")) {
                cli.out().print(DockerHelp.group(group, cli));
                return 0;
            }
            factory = group.find(rest.get(1));
            if (factory == null) {
                cli.err().println("berth: unknown command: " + path + " " + rest.get(1) + "\n\nUsage:  " + path
                        + "\n\nRun '" + path + " --help' for more information");
                return 1;
            }
            path += " " + group.aliases().getOrDefault(rest.get(1), rest.get(1));
            next = 2;
        }
        Invocation inv;
        try {
            inv = parse(cli, path, factory.apply(cli), rest, next);
        } catch (FlagSet.UsageException e) {
            cli.err().println(e.getMessage());
            return e.code();
        }
        if (inv == null) {
            return 0;
        }
        return execute(cli, inv);
    }

    /** Parses a command's flags and checks its argument count; null when help was printed. */
    static Invocation parse(Cli cli, String path, BaseCommand cmd, List<String> args, int start) {
        FlagSet flags = new FlagSet();
        cmd.define(flags);
        flags.addHelp();
        BaseCommand.Spec spec = cmd.spec();
        String usage = DockerHelp.usageLine(path, spec.synopsis());
        List<String> positional;
        try {
            positional = flags.parse(args, start, spec.interspersed());
        } catch (FlagSet.UsageException e) {
            throw new FlagSet.UsageException(e.code(), e.getMessage() + "\n\n" + usage + "\n\nRun '" + path + " --help' for more information");
        }
        if (flags.helpRequested()) {
            cli.out().print(DockerHelp.command(path, cmd, flags));
            return null;
        }
        String countError = countError(spec, positional.size());
        if (countError != null) {
            boolean see = spec.maxArgs() != spec.minArgs() && spec.minArgs() > 0;
            throw new FlagSet.UsageException(1, "berth: '" + path + "' " + countError + "\n\n" + usage + "\n\n"
                    + (see ? "See" : "Run") + " '" + path + " --help' for more information");
        }
        return new Invocation(path, cmd, flags, positional);
    }

    static String countError(BaseCommand.Spec s, int n) {
        int min = s.minArgs();
        int max = s.maxArgs();
        if (n >= min && (max < 0 || n <= max)) {
            return null;
        }
        if (max == 0) {
            return "accepts no arguments";
        }
        if (min == max) {
            return "requires " + min + plural(min);
        }
        if (max < 0) {
            return "requires at least " + min + plural(min);
        }
        if (min == 0) {
            return "requires at most " + max + plural(max);
        }
        return "requires at least " + min + " and at most " + max + plural(max);
    }

    private static String plural(int n) {
        return n == 1 ? " argument" : " arguments";
    }

    static int execute(Cli cli, Invocation inv) {
        try {
            return inv.command().run(inv.args());
        } catch (ExitException e) {
            if (e.getMessage() != null) {
                cli.err().println(e.getMessage());
            }
            return e.code();
        } catch (FlagSet.UsageException e) {
            cli.err().println(e.getMessage());
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
}
