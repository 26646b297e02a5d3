package dev.berth.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Help text laid out as the docker CLI (cobra) prints it. */
public final class DockerHelp {
    private static final int WIDTH = 80;

    private DockerHelp() {}

    /** "berth container ls" for a spec. */
    public static String fullName(CommandSpec spec) {
        return spec.qualifiedName(" ");
    }

    public static String usageLine(CommandSpec spec) {
        String[] syn = spec.usageMessage().customSynopsis();
        return "Usage:  " + fullName(spec) + (syn.length > 0 ? " " + syn[0] : "");
    }

    public static String render(CommandSpec spec) {
        StringBuilder sb = new StringBuilder();
        sb.append(usageLine(spec)).append("\n\n");
        String[] desc = spec.usageMessage().description();
        if (desc.length > 0) {
            sb.append(String.join("\n", desc)).append("\n\n");
        }
        String aliases = Commands.aliases(spec.userObject() == null ? null : spec.userObject().getClass());
        if (aliases != null) {
            sb.append("Aliases:\n  ").append(aliases).append("\n\n");
        }
        boolean top = spec.parent() == null;
        if (top) {
            for (Commands.Section section : Commands.Section.values()) {
                String title = switch (section) {
                    case COMMON -> "Common Commands:";
                    case MANAGEMENT -> "Management Commands:";
                    case OTHER -> "Commands:";
                };
                sb.append(title).append('\n');
                for (Commands.Entry e : Commands.topLevel()) {
                    CommandLine sub = spec.subcommands().get(e.name());
                    if (e.section() == section && sub != null) {
                        appendCommandRow(sb, e.name(), sub.getCommandSpec());
                    }
                }
                sb.append('\n');
            }
        } else if (!spec.subcommands().isEmpty()) {
            sb.append("Commands:\n");
            List<String> seen = new ArrayList<>();
            for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
                CommandSpec s = e.getValue().getCommandSpec();
                if (!seen.contains(s.name())) {
                    seen.add(s.name());
                    appendCommandRow(sb, s.name(), s);
                }
            }
            sb.append('\n');
        }
        appendOptions(sb, spec, top ? "Global Options:" : "Options:");
        if (!spec.subcommands().isEmpty()) {
            sb.append("Run '").append(fullName(spec)).append(" COMMAND --help' for more information on a command.\n");
        }
        return sb.toString();
    }

    private static void appendCommandRow(StringBuilder sb, String name, CommandSpec s) {
        String[] d = s.usageMessage().description();
        sb.append("  ").append(String.format("%-11s", name)).append(' ').append(d.length > 0 ? d[0] : "").append('\n');
    }

    private static void appendOptions(StringBuilder sb, CommandSpec spec, String title) {
        List<String[]> rows = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (o.hidden() || o.usageHelp() && spec.parent() != null) {
                continue;
            }
            String shortName = null;
            String longName = null;
            for (String n : o.names()) {
                if (n.startsWith("--")) {
                    longName = n;
                } else {
                    shortName = n;
                }
            }
            String left = (shortName != null ? "  " + shortName + ", " : "      ") + (longName != null ? longName : "");
            if (o.arity().max() > 0 && o.paramLabel() != null && !o.paramLabel().startsWith("<")) {
                left += " " + o.paramLabel();
            }
            rows.add(new String[] {left, String.join(" ", o.description())});
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
            sb.append(String.format("%-" + col + "s", r[0])).append(lines.isEmpty() ? "" : lines.getFirst()).append('\n');
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
