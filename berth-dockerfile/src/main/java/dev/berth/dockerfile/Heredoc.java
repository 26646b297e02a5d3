package dev.berth.dockerfile;

/**
 * A here-document attached to a RUN, COPY or ADD line.
 *
 * @param name the delimiter word, quotes removed
 * @param content the body, each line ending in a newline, tabs not yet stripped
 * @param expand whether variables in the body are expanded (the delimiter was not quoted)
 * @param chomp {@code <<-}: leading tabs are stripped from the body and the delimiter line
 * @param fileDescriptor the descriptor written before {@code <<} (0 when none)
 */
public record Heredoc(String name, String content, boolean expand, boolean chomp, int fileDescriptor) {
    /** The body as the instruction uses it: with leading tabs stripped for {@code <<-}. */
    public String effectiveContent() {
        return chomp ? content.replaceAll("(?m)^\t+", "") : content;
    }

    Heredoc withContent(String body) {
        return new Heredoc(name, body, expand, chomp, fileDescriptor);
    }
}
