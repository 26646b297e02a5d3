package dev.berth.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.format.TableFormat;
import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;

import java.util.List;
import java.util.Map;

/** Prints lists (ps, images, history) and inspected objects with docker's --format semantics. */
public final class ListOutput {
    private ListOutput() {}

    /**
     * {@code format} empty or "table" means {@code defaultTable}; "json" prints each row as JSON;
     * anything else is a Go template, a table when it starts with "table".
     */
    public static void print(Cli cli, String format, String defaultTable, Map<String, String> headers, List<? extends JsonNode> rows) {
        String f = format == null || format.isEmpty() || format.equals("table") ? defaultTable : format;
        try {
            cli.out().print(TableFormat.parse(f, headers).render(rows));
        } catch (TemplateException e) {
            throw new ExitException(1, e.getMessage());
        }
    }

    /** Executes one template per item, each followed by a newline (version -f, info -f). */
    public static void each(Cli cli, String format, List<? extends JsonNode> items) {
        each(cli, format, items, false);
    }

    /** As {@link #each(Cli, String, List)}; inspect -f fails on missing keys as docker's does. */
    public static void each(Cli cli, String format, List<? extends JsonNode> items, boolean missingKeyError) {
        String f = format.equals("json") ? "{{json .}}" : format;
        GoTemplate t;
        try {
            t = GoTemplate.parse(f);
            if (missingKeyError) {
                t = t.missingKeyError();
            }
        } catch (TemplateException e) {
            throw new ExitException(1, e.getMessage());
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode item : items) {
            try {
                t.execute(item, sb);
            } catch (TemplateException e) {
                cli.out().print(sb);
                throw new ExitException(1, e.getMessage());
            }
            sb.append('\n');
        }
        cli.out().print(sb);
    }
}
