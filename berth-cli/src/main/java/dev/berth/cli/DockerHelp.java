package dev.berth.cli;

import dev.berth.cli.commands.BaseCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Help and usage text laid out as the docker CLI (cobra) prints them. */
public final class DockerHelp {
    private static final int WIDTH = 80;

    private DockerHelp() {}

    /** "Usage:  berth container ls [OPTIONS]" for a command invoked as {@code path}. */
    public static String usageLine(String path, String synopsis) {
        return "Usage:  " + path + (synopsis.isEmpty() ? "" : " " + synopsis);
    }

    public static String command(String path, BaseCommand cmd, FlagSet flags) {
        BaseCommand.Spec spec = cmd.spec();
        StringBuilder sb = new StringBuilder();
        sb.append(usageLine(path, spec.synopsis())).append("\n\n").append(spec.description()).append("\n\n");
        String aliases = Commands.aliases(cmd.getClass());
        if (aliases != null) {
            sb.append("Aliases:\n  ").append(aliases).append("\n\n");
        }
        appendFlags(sb, flags, "Options:");
        return sb.toString();
    }

    public static String group(Commands.Group group, Cli cli) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage:  berth ").append(group.name()).append(" COMMAND\n\n").append(group.description()).append("\n\nCommands:\n");
        group.subcommands().forEach((name, factory) -> row(sb, name, factory.apply(cli).spec().description()));
        sb.append("\nRun 'berth ").append(group.name()).append(" COMMAND --help' for more information on a command.\n");
        return sb.toString();
    }

    public static String top(Cli cli, FlagSet globals) {
        StringBuilder sb = new StringBuilder("Usage:  berth [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\n");
        for (Commands.Section section : Commands.Section.values()) {
            sb.append(switch (section) {
                case COMMON -> "Common Commands:\n";
                case MANAGEMENT -> "Management Commands:\n";
                case OTHER -> "Commands:\n";
            });
            for (Commands.Entry e : Commands.topLevel()) {
                if (e.section() == section) {
                    Function<Cli, BaseCommand> f = e.command();
                    row(sb, e.name(), f != null ? f.apply(cli).spec().description() : e.group().description());
                }
            }
            sb.append('\n');
        }
        appendFlags(sb, globals, "Global Options:");
        sb.append("Run 'berth COMMAND --help' for more information on a command.\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, String description) {
        sb.append("  ").append(name);
        sb.append(" ".repeat(Math.max(1, 12 - name.length()))).append(description).append('\n');
    }

    private static void appendFlags(StringBuilder sb, FlagSet flags, String title) {
        List<String[]> rows = new ArrayList<>();
        List<FlagSet.Flag> sorted = new ArrayList<>(flags.flags());
        sorted.sort(java.util.Comparator.comparing(FlagSet.Flag::longName));
        for (FlagSet.Flag f : sorted) {
            if (f.hidden()) {
                continue;
            }
            String left = (f.shortName() != 0 ? "  -" + f.shortName() + ", " : "      ") + "--" + f.longName();
            if (f.takesValue() && f.valueName() != null) {
                left += " " + f.valueName();
            }
            rows.add(new String[] {left, f.usage()});
        }
        if (rows.isEmpty()) {
            return;
        }
        int col = 0;
        for (String[] r : rows) {
            col = Math.max(col, r[0].length());
        }
        col += 3;
        sb.append(title).append('\n');
        for (String[] r : rows) {
            List<String> lines = wrap(r[1], Math.max(20, WIDTH - col));
            sb.append(r[0]).append(" ".repeat(col - r[0].length())).append(lines.getFirst()).append('\n');
            for (int i = 1; i < lines.size(); i++) {
                sb.append(" ".repeat(col)).append(lines.get(i)).append('\n');
            }
        }
        sb.append('\n');
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        for (String para : text.split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : para.split(" ")) {
                if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                if (!line.isEmpty()) {
                    line.append(' ');
                }
                line.append(word);
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
