package dev.berth.dockerfile;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes a build's Dockerfile handling on arbitrary bytes: the parser, the typed instructions with
 * their checks, and variable substitution of every argument. The only failures allowed are
 * {@link DockerfileSyntaxException} and {@link ShellLex.ShellSyntaxException} (a 400 for the build).
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/dockerfile/DockerfileFuzzTestInputs/}.
 */
class DockerfileFuzzTest {
    /** Some variables set, some not, so both branches of ${a:-b} and ${a:+b} are reached. */
    private static final ShellLex.Env ENV = name -> name.length() % 2 == 0 ? "v a l" : null;

    @FuzzTest(maxDuration = "20s")
    void parse(byte[] input) {
        ParsedDockerfile parsed;
        try {
            parsed = DockerfileParser.parse(input);
        } catch (DockerfileSyntaxException expected) {
            return;
        }
        ShellLex lex = ShellLex.of(parsed.escape());
        for (Statement st : parsed.statements()) {
            try {
                Instruction.of(st);
            } catch (DockerfileSyntaxException expected) {
                // refused with Docker's message
            }
            for (String arg : st.args()) {
                try {
                    lex.process(arg, ENV);
                    lex.withRawQuotes(true).withSkipUnsetEnv(true).processWords(arg, ENV);
                } catch (ShellLex.ShellSyntaxException expected) {
                    // bad substitution and the like
                }
            }
        }
    }
}
