package dev.berth.cli.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import dev.berth.cli.template.TemplateFunctions;
import java.util.Map;

/**
 * Docker's list formatter: a {@code --format} string, optionally starting with "table", rendered once per item.
 * A table gets a header row (the same template run over field→header names with docker's header functions) and
 * is aligned with docker's tabwriter settings; otherwise each item prints as one line. "json" means {{json .}}.
 * Literal {@code \t} and {@code \n} in the format become tab and newline, as docker does.
 */
public final class TableFormat {
    private static final String TABLE = "table";

    private final boolean table;
    private final GoTemplate template;
    private final ObjectNode headers;
    private final TemplateFunctions headerFunctions;

    private TableFormat(boolean table, GoTemplate template, ObjectNode headers, TemplateFunctions headerFunctions) {
        this.table = table;
        this.template = template;
        this.headers = headers;
        this.headerFunctions = headerFunctions;
    }

    /**
     * Parses {@code format}; {@code headers} maps field names to column titles (e.g. "ID" → "CONTAINER ID").
     * A bare "table" must be replaced by the command's default table format before calling this.
     */
    public static TableFormat parse(String format, Map<String, String> headers) throws TemplateException {
        return parse(format, headers, TemplateFunctions.docker());
    }

    /**
     * As {@link #parse(String, Map)}, with extra functions or methods for the rows (e.g. docker's {@code .Label}
     * method); the header runs with {@link TemplateFunctions#forHeader()} of the same set.
     */
    public static TableFormat parse(String format, Map<String, String> headers, TemplateFunctions functions)
            throws TemplateException {
        boolean table = format.startsWith(TABLE);
        String text = format.equals("json") ? "{{json .}}" : format;
        if (table) {
            text = text.substring(TABLE.length());
        }
        text = trimSpaces(text).replace("\\t", "\t").replace("\\n", "\n");
        ObjectNode h = JsonNodeFactory.instance.objectNode();
        headers.forEach(h::put);
        return new TableFormat(table, GoTemplate.parse(text, functions), h, functions.forHeader());
    }

    /** True when the format started with "table". */
    public boolean isTable() {
        return table;
    }

    /** The parsed row template. */
    public GoTemplate template() {
        return template;
    }

    /** Renders all items (with the header first for a table) and returns the text. */
    public String render(Iterable<? extends JsonNode> items) throws TemplateException {
        StringBuilder sb = new StringBuilder();
        render(items, sb);
        return sb.toString();
    }

    /** Renders all items into {@code out}; an execution error reads like docker 28's: "failed to execute template: ...". */
    public void render(Iterable<? extends JsonNode> items, StringBuilder out) throws TemplateException {
        StringBuilder rows = new StringBuilder();
        for (JsonNode item : items) {
            try {
                template.execute(item, rows);
            } catch (TemplateException e) {
                throw new TemplateException("failed to execute template: " + e.getMessage());
            }
            rows.append('\n');
        }
        if (!table) {
            out.append(rows);
            return;
        }
        StringBuilder header = new StringBuilder();
        try {
            template.execute(headers, header, headerFunctions);
        } catch (TemplateException e) {
            // docker ignores header errors and prints what was rendered
        }
        header.append('\n');
        TabWriter tw = TabWriter.docker(out);
        tw.write(header);
        tw.write(rows);
        tw.flush();
    }

    private static String trimSpaces(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == ' ') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == ' ') {
            end--;
        }
        return s.substring(start, end);
    }
}
