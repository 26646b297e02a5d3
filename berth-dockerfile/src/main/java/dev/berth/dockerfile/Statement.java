package dev.berth.dockerfile;

import java.util.List;
import java.util.Locale;

/**
 * One parsed Dockerfile instruction, before variable expansion and instruction-specific checks.
 *
 * @param keyword the instruction as written (case kept)
 * @param flags the {@code --name=value} flags before the arguments, quotes removed
 * @param args the arguments: JSON strings, the shell-form string, whitespace-separated words, or
 *             for ENV and LABEL name/value/separator triples
 * @param sub the wrapped instruction of an ONBUILD, else null
 * @param json whether the arguments were written in JSON (exec) form
 * @param heredocs the here-documents the line introduces, in order
 * @param original the logical line (continuations joined)
 * @param startLine the 1-based line where the instruction starts
 * @param endLine the 1-based line where it ends (after any heredoc bodies)
 */
public record Statement(String keyword, List<String> flags, List<String> args, Statement sub, boolean json,
                        List<Heredoc> heredocs, String original, int startLine, int endLine) {
    public Statement {
        flags = List.copyOf(flags);
        args = List.copyOf(args);
        heredocs = List.copyOf(heredocs);
    }

    /** The instruction name in lower case ("run", "copy", ...). */
    public String command() {
        return keyword.toLowerCase(Locale.ROOT);
    }

    Statement withHeredocs(List<Heredoc> docs, int end) {
        return new Statement(keyword, flags, args, sub, json, docs, original, startLine, end);
    }

    Statement withLines(int start, int end) {
        return new Statement(keyword, flags, args, sub, json, heredocs, original, start, end);
    }

    /**
     * Docker's parse dump of this instruction: {@code (keyword ["--flag"] "arg" ...)}, the format of
     * the parser test vectors.
     */
    public String dump() {
        return "(" + dumpInner() + ")";
    }

    private String dumpInner() {
        StringBuilder sb = new StringBuilder(command());
        if (!flags.isEmpty()) {
            sb.append(" [");
            for (int i = 0; i < flags.size(); i++) {
                sb.append(i == 0 ? "" : " ").append(GoText.quote(flags.get(i)));
            }
            sb.append(']');
        }
        for (String a : args) {
            sb.append(' ').append(GoText.quote(a));
        }
        if (sub != null) {
            sb.append(' ').append(sub.dump());
        }
        return GoText.trimSpace(sb.toString());
    }
}
