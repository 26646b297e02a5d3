package dev.berth.dockerfile;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A Dockerfile instruction with its flags checked and its arguments in their roles, still
 * unexpanded (see {@link StageEvaluator} for expansion). {@link #of(Statement)} builds one from a
 * parsed statement and rejects what Docker rejects, naming the line.
 */
public sealed interface Instruction {
    /** The parsed statement this instruction came from (for its text and line numbers). */
    Statement source();

    /** The instruction as the classic builder shows it in {@code Step N/M : ...}: the logical line, trimmed. */
    default String text() {
        return GoText.trimSpace(source().original());
    }

    /** The name Docker shows in build steps ("RUN", "COPY", ...). */
    default String name() {
        return source().keyword().toUpperCase(Locale.ROOT);
    }

    /** A name and value pair of ENV or LABEL. */
    record KeyValue(String key, String value) {}

    /** An ARG declaration: a name and an optional default (null when none). */
    record ArgDef(String name, String value) {}

    /**
     * A command in shell form (one string run through SHELL) or exec form (the argument vector).
     *
     * @param args the vector for exec form, or a single string for shell form
     * @param shellForm whether the shell is prepended
     */
    record CommandLine(List<String> args, boolean shellForm) {
        public CommandLine {
            args = List.copyOf(args);
        }
    }

    /** FROM [--platform=p] image [AS name]; name is lower-cased, null when none. */
    record From(String image, String platform, String stageName, Statement source) implements Instruction {}

    /** RUN [--mount=...] [--network=...] [--security=...] command, with any heredocs. */
    record Run(CommandLine command, List<String> mounts, String network, String security, List<Heredoc> heredocs,
               Statement source) implements Instruction {}

    /** CMD: the default command. */
    record Cmd(CommandLine command, Statement source) implements Instruction {}

    /** ENTRYPOINT: the executable. */
    record Entrypoint(CommandLine command, Statement source) implements Instruction {}

    /** ENV: variables for the image and the following instructions. */
    record Env(List<KeyValue> pairs, Statement source) implements Instruction {}

    /** LABEL: image labels. */
    record Label(List<KeyValue> pairs, Statement source) implements Instruction {}

    /** ARG: build arguments declared from this line on. */
    record Arg(List<ArgDef> args, Statement source) implements Instruction {}

    /** EXPOSE: ports, sorted as Docker sorts them. */
    record Expose(List<String> ports, Statement source) implements Instruction {}

    /** VOLUME: mount points, trimmed. */
    record Volume(List<String> paths, Statement source) implements Instruction {}

    /** USER: user[:group]. */
    record User(String user, Statement source) implements Instruction {}

    /** WORKDIR: the working directory (relative to the previous one). */
    record Workdir(String path, Statement source) implements Instruction {}

    /** STOPSIGNAL: the signal name or number. */
    record StopSignal(String signal, Statement source) implements Instruction {}

    /** MAINTAINER (deprecated): the image author. */
    record Maintainer(String maintainer, Statement source) implements Instruction {}

    /** SHELL: the shell for shell-form commands (JSON form only). */
    record Shell(List<String> shell, Statement source) implements Instruction {}

    /** ONBUILD: the trigger's text as it will be stored in the image (heredoc bodies appended). */
    record Onbuild(String expression, Statement source) implements Instruction {}

    /**
     * HEALTHCHECK: {@code test} is ["NONE"], ["CMD", args...] or ["CMD-SHELL", command]; durations in
     * nanoseconds, 0 when not given; retries 0 when not given.
     */
    record Healthcheck(List<String> test, long intervalNanos, long timeoutNanos, long startPeriodNanos,
                       long startIntervalNanos, int retries, Statement source) implements Instruction {}

    /** Inline file content for COPY/ADD from a heredoc. */
    record InlineSource(String path, String data, boolean expand) {}

    /**
     * COPY and ADD: sources (paths, wildcards, URLs), heredoc sources, a destination and the flags.
     * {@code add} tells which of the two it is.
     */
    record Copy(boolean add, List<String> sources, List<InlineSource> inline, String dest, String from, String chown,
                String chmod, boolean link, boolean parents, List<String> excludes, String checksum, Boolean unpack,
                boolean keepGitDir, Statement source) implements Instruction {}

    /** Docker's stage names: a letter, then letters, digits, '-', '_' or '.'. */
    Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9-_.]*$");

    /** Builds the instruction for a statement, checking what Docker checks. */
    static Instruction of(Statement st) throws DockerfileSyntaxException {
        try {
            return InstructionParser.parse(st);
        } catch (DockerfileSyntaxException.Detail e) {
            throw new DockerfileSyntaxException(st.startLine(), st.endLine(), e.getMessage());
        }
    }
}
