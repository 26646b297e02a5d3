package dev.berth.cli;

import dev.berth.cli.commands.AttachCommand;
import dev.berth.cli.commands.BaseCommand;
import dev.berth.cli.commands.BuildCommand;
import dev.berth.cli.commands.BuilderPruneCommand;
import dev.berth.cli.commands.CommitCommand;
import dev.berth.cli.commands.DiffCommand;
import dev.berth.cli.commands.EventsCommand;
import dev.berth.cli.commands.ExecCommand;
import dev.berth.cli.commands.CpCommand;
import dev.berth.cli.commands.ExportCommand;
import dev.berth.cli.commands.ContainerPruneCommand;
import dev.berth.cli.commands.CreateCommand;
import dev.berth.cli.commands.ParseDockerfileCommand;
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
import dev.berth.cli.commands.LoadCommand;
import dev.berth.cli.commands.LoginCommand;
import dev.berth.cli.commands.LogoutCommand;
import dev.berth.cli.commands.NetworkCommands;
import dev.berth.cli.commands.PsCommand;
import dev.berth.cli.commands.PullCommand;
import dev.berth.cli.commands.PushCommand;
import dev.berth.cli.commands.SaveCommand;
import dev.berth.cli.commands.RenameCommand;
import dev.berth.cli.commands.RmCommand;
import dev.berth.cli.commands.RmiCommand;
import dev.berth.cli.commands.RunCommand;
import dev.berth.cli.commands.StartCommand;
import dev.berth.cli.commands.StatsCommand;
import dev.berth.cli.commands.StopCommand;
import dev.berth.cli.commands.SystemDfCommand;
import dev.berth.cli.commands.TagCommand;
import dev.berth.cli.commands.TopCommand;
import dev.berth.cli.commands.UpdateCommand;
import dev.berth.cli.commands.VersionCommand;
import dev.berth.cli.commands.VolumeCommands;
import dev.berth.cli.commands.WaitCommand;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** berth's command tree: top-level commands, the container and image groups, and docker's aliases. */
public final class Commands {
    /** Sections of the top-level help, as docker groups its commands. */
    public enum Section { COMMON, MANAGEMENT, OTHER }

    /** A management command: a name, a description and sub-commands (first name of each is the listed one). */
    public record Group(String name, String description, Map<String, Function<Cli, BaseCommand>> subcommands, Map<String, String> aliases) {
        /** The sub-command for a name or alias, or null. */
        public Function<Cli, BaseCommand> find(String name) {
            String canonical = aliases.getOrDefault(name, name);
            return subcommands.get(canonical);
        }
    }

    /** One top-level entry: a command or a group. */
    public record Entry(String name, Section section, Function<Cli, BaseCommand> command, Group group) {}

    private static final Group CONTAINER = container();
    private static final Group IMAGE = image();
    private static final Group DEBUG = debug();

    private static Group debug() {
        Map<String, Function<Cli, BaseCommand>> m = new LinkedHashMap<>();
        m.put("parse-dockerfile", ParseDockerfileCommand::new);
        return new Group("debug", "Inspect how berth reads its inputs", m, Map.of());
    }

    private static final Group BUILDER = builder();

    private static Group builder() {
        Map<String, Function<Cli, BaseCommand>> m = new LinkedHashMap<>();
        m.put("build", BuildCommand::new);
        m.put("prune", BuilderPruneCommand::new);
        return new Group("builder", "Manage builds", m, Map.of());
    }

    private static final Group VOLUME = volume();
    private static final Group SYSTEM = system();

    private static Group volume() {
        Map<String, Function<Cli, BaseCommand>> m = new LinkedHashMap<>();
        m.put("create", VolumeCommands.Create::new);
        m.put("inspect", VolumeCommands.Inspect::new);
        m.put("ls", VolumeCommands.Ls::new);
        m.put("prune", VolumeCommands.Prune::new);
        m.put("rm", VolumeCommands.Rm::new);
        return new Group("volume", "Manage volumes", m, Map.of("list", "ls", "remove", "rm"));
    }

    private static Group system() {
        Map<String, Function<Cli, BaseCommand>> m = new LinkedHashMap<>();
        m.put("df", SystemDfCommand::new);
        return new Group("system", "Manage Docker", m, Map.of());
    }

    private static final Group NETWORK = network();

    private static Group network() {
        Map<String, Function<Cli, BaseCommand>> m = new LinkedHashMap<>();
        m.put("connect", NetworkCommands.Connect::new);
        m.put("create", NetworkCommands.Create::new);
        m.put("disconnect", NetworkCommands.Disconnect::new);
        m.put("inspect", NetworkCommands.Inspect::new);
        m.put("ls", NetworkCommands.Ls::new);
        m.put("prune", NetworkCommands.Prune::new);
        m.put("rm", NetworkCommands.Rm::new);
        return new Group("network", "Manage networks", m, Map.of("list", "ls", "remove", "rm"));
    }

    private static Group container() {
        Map<String, Function<Cli, BaseCommand>> m = new LinkedHashMap<>();
        m.put("attach", AttachCommand::new);
        m.put("commit", CommitCommand::new);
        m.put("cp", CpCommand::new);
        m.put("create", CreateCommand::new);
        m.put("diff", DiffCommand::new);
        m.put("exec", ExecCommand::new);
        m.put("export", ExportCommand::new);
        m.put("inspect", InspectCommand.ContainerInspect::new);
        m.put("kill", KillCommand::new);
        m.put("logs", LogsCommand::new);
        m.put("ls", PsCommand::new);
        m.put("pause", LifecycleCommands.Pause::new);
        m.put("port", NetworkCommands.Port::new);
        m.put("prune", ContainerPruneCommand::new);
        m.put("rename", RenameCommand::new);
        m.put("restart", LifecycleCommands.Restart::new);
        m.put("rm", RmCommand::new);
        m.put("run", RunCommand::new);
        m.put("start", StartCommand::new);
        m.put("stats", StatsCommand::new);
        m.put("stop", StopCommand::new);
        m.put("top", TopCommand::new);
        m.put("unpause", LifecycleCommands.Unpause::new);
        m.put("update", UpdateCommand::new);
        m.put("wait", WaitCommand::new);
        return new Group("container", "Manage containers", m, Map.of("list", "ls", "ps", "ls", "remove", "rm"));
    }

    private static Group image() {
        Map<String, Function<Cli, BaseCommand>> m = new LinkedHashMap<>();
        m.put("build", BuildCommand::new);
        m.put("history", HistoryCommand::new);
        m.put("import", ImportCommand::new);
        m.put("inspect", ImageInspectCommand::new);
        m.put("load", LoadCommand::new);
        m.put("ls", ImagesCommand::new);
        m.put("prune", ImagePruneCommand::new);
        m.put("pull", PullCommand::new);
        m.put("push", PushCommand::new);
        m.put("rm", RmiCommand::new);
        m.put("save", SaveCommand::new);
        m.put("tag", TagCommand::new);
        return new Group("image", "Manage images", m, Map.of("list", "ls", "remove", "rm"));
    }

    private static final List<Entry> TOP = List.of(
            new Entry("run", Section.COMMON, RunCommand::new, null),
            new Entry("exec", Section.COMMON, ExecCommand::new, null),
            new Entry("ps", Section.COMMON, PsCommand::new, null),
            new Entry("build", Section.COMMON, BuildCommand::new, null),
            new Entry("pull", Section.COMMON, PullCommand::new, null),
            new Entry("push", Section.COMMON, PushCommand::new, null),
            new Entry("login", Section.COMMON, LoginCommand::new, null),
            new Entry("logout", Section.COMMON, LogoutCommand::new, null),
            new Entry("images", Section.COMMON, ImagesCommand::new, null),
            new Entry("version", Section.COMMON, VersionCommand::new, null),
            new Entry("info", Section.COMMON, InfoCommand::new, null),
            new Entry("container", Section.MANAGEMENT, null, CONTAINER),
            new Entry("builder", Section.MANAGEMENT, null, BUILDER),
            new Entry("image", Section.MANAGEMENT, null, IMAGE),
            new Entry("debug", Section.MANAGEMENT, null, DEBUG),
            new Entry("system", Section.MANAGEMENT, null, SYSTEM),
            new Entry("volume", Section.MANAGEMENT, null, VOLUME),
            new Entry("network", Section.MANAGEMENT, null, NETWORK),
            new Entry("attach", Section.OTHER, AttachCommand::new, null),
            new Entry("commit", Section.OTHER, CommitCommand::new, null),
            new Entry("cp", Section.OTHER, CpCommand::new, null),
            new Entry("create", Section.OTHER, CreateCommand::new, null),
            new Entry("diff", Section.OTHER, DiffCommand::new, null),
            new Entry("events", Section.OTHER, EventsCommand::new, null),
            new Entry("export", Section.OTHER, ExportCommand::new, null),
            new Entry("history", Section.OTHER, HistoryCommand::new, null),
            new Entry("import", Section.OTHER, ImportCommand::new, null),
            new Entry("inspect", Section.OTHER, InspectCommand::new, null),
            new Entry("kill", Section.OTHER, KillCommand::new, null),
            new Entry("load", Section.OTHER, LoadCommand::new, null),
            new Entry("logs", Section.OTHER, LogsCommand::new, null),
            new Entry("pause", Section.OTHER, LifecycleCommands.Pause::new, null),
            new Entry("port", Section.OTHER, NetworkCommands.Port::new, null),
            new Entry("rename", Section.OTHER, RenameCommand::new, null),
            new Entry("restart", Section.OTHER, LifecycleCommands.Restart::new, null),
            new Entry("rm", Section.OTHER, RmCommand::new, null),
            new Entry("rmi", Section.OTHER, RmiCommand::new, null),
            new Entry("save", Section.OTHER, SaveCommand::new, null),
            new Entry("start", Section.OTHER, StartCommand::new, null),
            new Entry("stats", Section.OTHER, StatsCommand::new, null),
            new Entry("stop", Section.OTHER, StopCommand::new, null),
            new Entry("tag", Section.OTHER, TagCommand::new, null),
            new Entry("top", Section.OTHER, TopCommand::new, null),
            new Entry("unpause", Section.OTHER, LifecycleCommands.Unpause::new, null),
            new Entry("update", Section.OTHER, UpdateCommand::new, null),
            new Entry("wait", Section.OTHER, WaitCommand::new, null));

    /** Every name a command answers to, for docker's "Aliases:" help section. */
    private static final Map<Class<?>, String> ALIASES = new LinkedHashMap<>();

    static {
        alias(AttachCommand.class, "container attach", "attach");
        alias(CreateCommand.class, "container create", "create");
        alias(CommitCommand.class, "container commit", "commit");
        alias(CpCommand.class, "container cp", "cp");
        alias(DiffCommand.class, "container diff", "diff");
        alias(ExecCommand.class, "container exec", "exec");
        alias(ExportCommand.class, "container export", "export");
        alias(KillCommand.class, "container kill", "kill");
        alias(LogsCommand.class, "container logs", "logs");
        alias(PsCommand.class, "container ls", "container list", "container ps", "ps");
        alias(LifecycleCommands.Pause.class, "container pause", "pause");
        alias(NetworkCommands.Port.class, "container port", "port");
        alias(NetworkCommands.Ls.class, "network ls", "network list");
        alias(NetworkCommands.Rm.class, "network rm", "network remove");
        alias(RenameCommand.class, "container rename", "rename");
        alias(LifecycleCommands.Restart.class, "container restart", "restart");
        alias(RmCommand.class, "container rm", "container remove", "rm");
        alias(RunCommand.class, "container run", "run");
        alias(StartCommand.class, "container start", "start");
        alias(StatsCommand.class, "container stats", "stats");
        alias(StopCommand.class, "container stop", "stop");
        alias(TopCommand.class, "container top", "top");
        alias(LifecycleCommands.Unpause.class, "container unpause", "unpause");
        alias(UpdateCommand.class, "container update", "update");
        alias(WaitCommand.class, "container wait", "wait");
        alias(HistoryCommand.class, "image history", "history");
        alias(ImportCommand.class, "image import", "import");
        alias(ImagesCommand.class, "image ls", "image list", "images");
        alias(RmiCommand.class, "image rm", "image remove", "rmi");
        alias(TagCommand.class, "image tag", "tag");
        alias(PullCommand.class, "image pull", "pull");
        alias(PushCommand.class, "image push", "push");
        alias(SaveCommand.class, "image save", "save");
        alias(LoadCommand.class, "image load", "load");
        alias(VolumeCommands.Ls.class, "volume ls", "volume list");
        alias(VolumeCommands.Rm.class, "volume rm", "volume remove");
    }

    private Commands() {}

    private static void alias(Class<?> type, String... names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append(sb.isEmpty() ? "" : ", ").append("berth ").append(n);
        }
        ALIASES.put(type, sb.toString());
    }

    public static List<Entry> topLevel() {
        return TOP;
    }

    /** "berth container ls, ..." for a command class, or null. */
    public static String aliases(Class<?> type) {
        return ALIASES.get(type);
    }

    public static Entry find(String name) {
        for (Entry e : TOP) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }
}
