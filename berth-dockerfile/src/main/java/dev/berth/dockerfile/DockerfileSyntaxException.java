package dev.berth.dockerfile;

/** A Dockerfile that cannot be parsed or evaluated; names the line(s) at fault. */
public final class DockerfileSyntaxException extends Exception {
    private final int startLine;
    private final int endLine;
    private final String detail;

    public DockerfileSyntaxException(int startLine, int endLine, String detail) {
        super("dockerfile parse error on line " + startLine + ": " + detail);
        this.startLine = startLine;
        this.endLine = endLine;
        this.detail = detail;
    }

    public DockerfileSyntaxException(int line, String detail) {
        this(line, line, detail);
    }

    /** The first line (1-based) of the offending instruction. */
    public int startLine() {
        return startLine;
    }

    /** The last line (1-based) of the offending instruction. */
    public int endLine() {
        return endLine;
    }

    /** The message without the line prefix. */
    public String detail() {
        return detail;
    }

    /** A problem in one value, before the line is known; callers wrap it with the line. */
    public static final class Detail extends Exception {
        public Detail(String message) {
            super(message);
        }
    }
}
