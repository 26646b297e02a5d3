package dev.berth.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.function.Function;

/**
 * A Go text/template, as the docker CLI uses for {@code --format}, evaluated over Jackson JSON trees.
 * Parse once with {@link #parse}, then {@link #execute} any number of times (instances are immutable and thread-safe).
 *
 * <p>Values behave like Go values decoded from the API's JSON: a missing field prints {@code <no value>},
 * null prints {@code <nil>}, integral numbers print without a fraction, objects print as {@code map[k:v]}
 * (sorted keys) and arrays as {@code [a b]}.
 */
public final class GoTemplate {
    private final String source;
    private final Parser.Parsed parsed;
    private final TemplateFunctions functions;
    private final boolean missingKeyError;
    private final Function<String, String> nullFields;

    private GoTemplate(String source, Parser.Parsed parsed, TemplateFunctions functions, boolean missingKeyError,
            Function<String, String> nullFields) {
        this.source = source;
        this.parsed = parsed;
        this.functions = functions;
        this.missingKeyError = missingKeyError;
        this.nullFields = nullFields;
    }

    /** Parses with Go's builtins and docker's functions. */
    public static GoTemplate parse(String text) throws TemplateException {
        return parse(text, TemplateFunctions.docker());
    }

    /**
     * Parses {@code text}; errors read like docker's, e.g.
     * {@code template parsing error: template: :1: function "foo" not defined}.
     */
    public static GoTemplate parse(String text, TemplateFunctions functions) throws TemplateException {
        try {
            return new GoTemplate(text, Parser.parse(text, functions.names()), functions, false, null);
        } catch (TemplateException e) {
            throw new TemplateException("template parsing error: " + e.getMessage());
        }
    }

    /**
     * Go's Option("missingkey=error"): a missing field fails with {@code map has no entry for key "X"} instead of
     * printing {@code <no value>}. docker inspect -f behaves this way (it falls back to the raw JSON as a map).
     */
    public GoTemplate missingKeyError() {
        return new GoTemplate(source, parsed, functions, true, nullFields);
    }

    /**
     * Prints a null read from a field ({@code {{.Config.Entrypoint}}}) as {@code render.apply(fieldName)} instead of
     * {@code <nil>}; {@link DockerNulls#render} gives docker inspect's typed rendering ([] / map[] / &lt;nil&gt;).
     */
    public GoTemplate nullFields(Function<String, String> render) {
        return new GoTemplate(source, parsed, functions, missingKeyError, render);
    }

    /** The template text as given. */
    public String source() {
        return source;
    }

    /** Executes over {@code data} and returns the output. */
    public String execute(JsonNode data) throws TemplateException {
        StringBuilder sb = new StringBuilder();
        execute(data, sb);
        return sb.toString();
    }

    /** Executes over {@code data}, appending to {@code out}; on error, {@code out} holds the partial output. */
    public void execute(JsonNode data, StringBuilder out) throws TemplateException {
        execute(data, out, functions);
    }

    /**
     * Executes with another function set having the same names (docker renders table headers with
     * {@link TemplateFunctions#header()}). Errors read like Go's:
     * {@code template: :1:2: executing "" at <.Foo>: ...}.
     */
    public void execute(JsonNode data, StringBuilder out, TemplateFunctions with) throws TemplateException {
        Exec exec = new Exec(with, out, missingKeyError, nullFields);
        try {
            exec.run(parsed, data == null ? MissingNode.getInstance() : data);
        } catch (Exec.Failure f) {
            Node at = f.at != null ? f.at : exec.lastNode();
            throw new TemplateException(location(at) + ": " + f.getMessage());
        } catch (StackOverflowError e) {
            throw new TemplateException("template: :1: exceeded maximum template depth (100000)");
        }
    }

    private String location(Node at) {
        int pos = at == null ? 0 : at.pos();
        int line = Parser.lineOf(source, pos);
        int lineStart = source.lastIndexOf('\n', Math.max(pos - 1, 0)) + 1;
        if (pos == 0) {
            lineStart = 0;
        }
        String context = at == null ? "" : at.toString();
        return "template: :" + line + ":" + (pos - lineStart) + ": executing \"\" at <" + context + ">";
    }
}
