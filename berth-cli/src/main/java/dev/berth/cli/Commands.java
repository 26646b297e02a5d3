package dev.berth.cli;

import dev.berth.cli.commands.AttachCommand;
import dev.berth.cli.commands.ContainerPruneCommand;
import dev.berth.cli.commands.CreateCommand;
import dev.berth.cli.commands.HistoryCommand;
import dev.berth.cli.commands.ImageInspectCommand;
import dev.berth.cli.commands.ImagePruneCommand;
import dev.berth.cli.commands.ImagesCommand;
import dev.berth.cli.commands.ImportCommand;
import dev.berth.cli.commands.InfoCommand;
import dev.berth.cli.commands.InspectCommand;
import dev.berth.cli.commands.KillCommand;
import dev.berth.cli.commands.LifecycleCommands;
import dev.berth.cli.commands.LogsCommand;
import dev.berth.cli.commands.PsCommand;
import dev.berth.cli.commands.RenameCommand;
import dev.berth.cli.commands.RmCommand;
import dev.berth.cli.commands.RmiCommand;
import dev.berth.cli.commands.RunCommand;
import dev.berth.cli.commands.StartCommand;
import dev.berth.cli.commands.StopCommand;
import dev.berth.cli.commands.TagCommand;
import dev.berth.cli.commands.TopCommand;
import dev.berth.cli.commands.VersionCommand;
import dev.berth.cli.commands.WaitCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.lang.reflect.Constructor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * berth's command tree. Only the command named on the command line is built (picocli reflects
 * over every class it is given, and {@code berth version} must start fast); help builds them all.
 */
public final class Commands {
    /** Sections of the top-level help, as docker groups its commands. */
    public enum Section { COMMON, MANAGEMENT, OTHER }

    /** One top-level command. */
    public record Entry(String name, Class<?> type, Section section) {}

    /** A management command that only groups sub-commands. */
    @Command(name = "container", customSynopsis = "COMMAND", description = "Manage containers")
    public static final class ContainerGroup {}

    /** A management command that only groups sub-commands. */
    @Command(name = "image", customSynopsis = "COMMAND", description = "Manage images")
    public static final class ImageGroup {}

    private static final List<Entry> TOP = List.of(
            new Entry("run", RunCommand.class, Section.COMMON),
            new Entry("ps", PsCommand.class, Section.COMMON),
            new Entry("images", ImagesCommand.class, Section.COMMON),
            new Entry("version", VersionCommand.class, Section.COMMON),
            new Entry("info", InfoCommand.class, Section.COMMON),
            new Entry("container", ContainerGroup.class, Section.MANAGEMENT),
            new Entry("image", ImageGroup.class, Section.MANAGEMENT),
            new Entry("attach", AttachCommand.class, Section.OTHER),
            new Entry("create", CreateCommand.class, Section.OTHER),
            new Entry("history", HistoryCommand.class, Section.OTHER),
            new Entry("import", ImportCommand.class, Section.OTHER),
            new Entry("inspect", InspectCommand.class, Section.OTHER),
            new Entry("kill", KillCommand.class, Section.OTHER),
            new Entry("logs", LogsCommand.class, Section.OTHER),
            new Entry("pause", LifecycleCommands.Pause.class, Section.OTHER),
            new Entry("rename", RenameCommand.class, Section.OTHER),
            new Entry("restart", LifecycleCommands.Restart.class, Section.OTHER),
            new Entry("rm", RmCommand.class, Section.OTHER),
            new Entry("rmi", RmiCommand.class, Section.OTHER),
            new Entry("start", StartCommand.class, Section.OTHER),
            new Entry("stop", StopCommand.class, Section.OTHER),
            new Entry("tag", TagCommand.class, Section.OTHER),
            new Entry("top", TopCommand.class, Section.OTHER),
            new Entry("unpause", LifecycleCommands.Unpause.class, Section.OTHER),
            new Entry("wait", WaitCommand.class, Section.OTHER));

    /** Every name a command answers to, for docker's "Aliases:" help section. */
    private static final Map<Class<?>, String> ALIASES = new LinkedHashMap<>();

    static {
        alias(AttachCommand.class, "container attach", "attach");
        alias(CreateCommand.class, "container create", "create");
        alias(InspectCommand.class, "inspect");
        alias(KillCommand.class, "container kill", "kill");
        alias(LogsCommand.class, "container logs", "logs");
        alias(PsCommand.class, "container ls", "container list", "container ps", "ps");
        alias(LifecycleCommands.Pause.class, "container pause", "pause");
        alias(ContainerPruneCommand.class, "container prune");
        alias(RenameCommand.class, "container rename", "rename");
        alias(LifecycleCommands.Restart.class, "container restart", "restart");
        alias(RmCommand.class, "container rm", "container remove", "rm");
        alias(RunCommand.class, "container run", "run");
        alias(StartCommand.class, "container start", "start");
        alias(StopCommand.class, "container stop", "stop");
        alias(TopCommand.class, "container top", "top");
        alias(LifecycleCommands.Unpause.class, "container unpause", "unpause");
        alias(WaitCommand.class, "container wait", "wait");
        alias(HistoryCommand.class, "image history", "history");
        alias(ImportCommand.class, "image import", "import");
        alias(ImagesCommand.class, "image ls", "image list", "images");
        alias(ImagePruneCommand.class, "image prune");
        alias(RmiCommand.class, "image rm", "image remove", "rmi");
        alias(TagCommand.class, "image tag", "tag");
        alias(ImageInspectCommand.class, "image inspect");
    }

    private static void alias(Class<?> type, String... names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append(sb.isEmpty() ? "" : ", ").append("berth ").append(n);
        }
        ALIASES.put(type, sb.toString());
    }

    private static final List<String> VALUE_GLOBALS = List.of("-H", "--host", "--config", "-c", "--context", "-l", "--log-level",
            "--tlscacert", "--tlscert", "--tlskey");

    private Commands() {}

    public static List<Entry> topLevel() {
        return TOP;
    }

    /** "berth container ls, ..." for a command class, or null. */
    public static String aliases(Class<?> type) {
        return ALIASES.get(type);
    }

    /** The first argument that is not a global option: the command's name, or null. */
    public static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return i + 1 < args.length ? args[i + 1] : null;
            }
            if (!a.startsWith("-") || a.equals("-")) {
                return a;
            }
            if (VALUE_GLOBALS.contains(a)) {
                i++;
            }
        }
        return null;
    }

    public static Entry find(String name) {
        for (Entry e : TOP) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** The picocli tree for these arguments: the named command only, or all of them. */
    public static CommandLine build(Cli cli, String[] args) {
        CommandLine.IFactory factory = factory(cli);
        CommandLine top = configure(new CommandLine(cli.globals(), factory));
        Entry only = find(commandName(args));
        for (Entry e : TOP) {
            if (only == null || only == e) {
                top.addSubcommand(e.name(), commandLine(e.type(), factory));
            }
        }
        return top;
    }

    private static CommandLine commandLine(Class<?> type, CommandLine.IFactory factory) {
        if (type == ContainerGroup.class) {
            CommandLine g = configure(new CommandLine(new ContainerGroup(), factory));
            sub(g, factory, AttachCommand.class, "attach");
            sub(g, factory, CreateCommand.class, "create");
            sub(g, factory, InspectCommand.ContainerInspect.class, "inspect");
            sub(g, factory, KillCommand.class, "kill");
            sub(g, factory, LogsCommand.class, "logs");
            sub(g, factory, PsCommand.class, "ls", "list", "ps");
            sub(g, factory, LifecycleCommands.Pause.class, "pause");
            sub(g, factory, ContainerPruneCommand.class, "prune");
            sub(g, factory, RenameCommand.class, "rename");
            sub(g, factory, LifecycleCommands.Restart.class, "restart");
            sub(g, factory, RmCommand.class, "rm", "remove");
            sub(g, factory, RunCommand.class, "run");
            sub(g, factory, StartCommand.class, "start");
            sub(g, factory, StopCommand.class, "stop");
            sub(g, factory, TopCommand.class, "top");
            sub(g, factory, LifecycleCommands.Unpause.class, "unpause");
            sub(g, factory, WaitCommand.class, "wait");
            return g;
        }
        if (type == ImageGroup.class) {
            CommandLine g = configure(new CommandLine(new ImageGroup(), factory));
            sub(g, factory, HistoryCommand.class, "history");
            sub(g, factory, ImportCommand.class, "import");
            sub(g, factory, ImageInspectCommand.class, "inspect");
            sub(g, factory, ImagesCommand.class, "ls", "list");
            sub(g, factory, ImagePruneCommand.class, "prune");
            sub(g, factory, RmiCommand.class, "rm", "remove");
            sub(g, factory, TagCommand.class, "tag");
            return g;
        }
        CommandLine cl = configure(new CommandLine(type, factory));
        // like docker's SetInterspersed(false): what follows the image or container belongs to the container's command
        cl.setStopAtPositional(type == RunCommand.class || type == CreateCommand.class || type == TopCommand.class);
        return cl;
    }

    private static void sub(CommandLine group, CommandLine.IFactory factory, Class<?> type, String name, String... aliases) {
        group.addSubcommand(name, commandLine(type, factory), aliases);
    }

    private static CommandLine configure(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (spec.findOption("--help") == null) {
            // cobra's help flag: -h as well unless the command uses -h itself (run's --hostname)
            String[] names = spec.findOption('h') == null ? new String[] {"-h", "--help"} : new String[] {"--help"};
            spec.addOption(CommandLine.Model.OptionSpec.builder(names).usageHelp(true).hidden(true).description("Print usage").build());
        }
        cl.setExpandAtFiles(false);
        cl.setOverwrittenOptionsAllowed(true);
        cl.setTrimQuotes(false);
        cl.setUnmatchedOptionsArePositionalParams(false);
        return cl;
    }

    /** Commands take the {@link Cli} in their constructor. */
    private static CommandLine.IFactory factory(Cli cli) {
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == GlobalOptions.class) {
                    return cls.cast(cli.globals());
                }
                for (Constructor<?> c : cls.getDeclaredConstructors()) {
                    if (c.getParameterCount() == 1 && c.getParameterTypes()[0] == Cli.class) {
                        c.setAccessible(true);
                        return cls.cast(c.newInstance(cli));
                    }
                }
                return CommandLine.defaultFactory().create(cls);
            }
        };
    }
}
