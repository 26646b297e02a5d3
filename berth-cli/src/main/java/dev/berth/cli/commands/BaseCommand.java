package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.DockerClient;
import dev.berth.cli.client.Json;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/** A berth command: its usage, its flags, and what it does with its arguments. */
public abstract class BaseCommand {
    /** How the command is used; maxArgs -1 means any number; interspersed false stops flags at the first argument. */
    public record Spec(String name, String synopsis, String description, int minArgs, int maxArgs, boolean interspersed) {
        public static Spec of(String name, String synopsis, String description, int minArgs, int maxArgs) {
            return new Spec(name, synopsis, description, minArgs, maxArgs, true);
        }
    }

    protected final Cli cli;

    protected BaseCommand(Cli cli) {
        this.cli = cli;
    }

    public abstract Spec spec();

    /** Registers this command's flags. */
    public void define(FlagSet flags) {
    }

    /** Runs with the positional arguments (their count already checked); returns the exit status. */
    public abstract int run(List<String> args) throws Exception;

    protected DockerClient client() {
        return cli.client();
    }

    /** A path segment: names and IDs are escaped as the docker client escapes them. */
    protected static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Runs {@code action} for each name as docker does for multi-object commands: every error is
     * printed to stderr and the command then exits 1; successes are handled by the action itself.
     */
    protected int forEach(List<String> names, Consumer<String> action) {
        boolean failed = false;
        for (String n : names) {
            try {
                action.accept(n);
            } catch (DaemonException | ExitException e) {
                if (e.getMessage() != null) {
                    cli.err().println(e.getMessage());
                }
                failed = true;
            }
        }
        cli.out().flush();
        return failed ? 1 : 0;
    }

    /** Filter flags ("key=value") as the API's JSON: {"key":{"value":true}}. */
    protected String filtersJson(List<String> filters) {
        if (filters == null || filters.isEmpty()) {
            return null;
        }
        ObjectNode root = Json.object();
        for (String f : filters) {
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw new ExitException(125, "invalid argument \"" + f + "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
            }
            String key = f.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
            ObjectNode values = root.has(key) ? (ObjectNode) root.get(key) : root.putObject(key);
            values.put(f.substring(eq + 1).strip(), true);
        }
        return Json.string(root);
    }

    /** Asks docker's prune question; true when the user typed y or yes. */
    protected boolean confirm(String warning) {
        cli.out().print(warning + "\nAre you sure you want to continue? [y/N] ");
        cli.out().flush();
        StringBuilder sb = new StringBuilder();
        try {
            int c;
            while ((c = cli.in().read()) >= 0 && c != '\n') {
                sb.append((char) c);
            }
        } catch (java.io.IOException e) {
            return false;
        }
        String answer = sb.toString().strip().toLowerCase(java.util.Locale.ROOT);
        return answer.equals("y") || answer.equals("yes");
    }

    protected static final String FORMAT_TABLE_HELP = "Format output using a custom template:\n"
            + "'table':            Print output in table format with column headers (default)\n"
            + "'table TEMPLATE':   Print output in table format using the given Go template\n"
            + "'json':             Print in JSON format\n"
            + "'TEMPLATE':         Print output using the given Go template.\n"
            + "Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

    protected static final String FORMAT_HELP = "Format output using a custom template:\n"
            + "'json':             Print in JSON format\n"
            + "'TEMPLATE':         Print output using the given Go template.\n"
            + "Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";
}
