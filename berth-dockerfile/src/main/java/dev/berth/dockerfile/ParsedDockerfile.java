package dev.berth.dockerfile;

import java.util.List;
import java.util.Map;

/**
 * A parsed Dockerfile: its parser directives and instructions in order.
 *
 * @param escape the escape character in effect (backslash or backtick)
 * @param directives the parser directives found at the top (lower-case name to value: escape, syntax, check)
 * @param statements the instructions
 * @param warnings what Docker warns about but accepts (empty continuation lines)
 */
public record ParsedDockerfile(int escape, Map<String, String> directives, List<Statement> statements, List<String> warnings) {
    public ParsedDockerfile {
        directives = Map.copyOf(directives);
        statements = List.copyOf(statements);
        warnings = List.copyOf(warnings);
    }

    /** The parse dump: one {@link Statement#dump()} line per instruction, each ending in a newline. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        for (Statement s : statements) {
            sb.append(s.dump()).append('\n');
        }
        return sb.toString();
    }
}
