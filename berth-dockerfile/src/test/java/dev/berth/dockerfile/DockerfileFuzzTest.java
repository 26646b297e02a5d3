package dev.berth.dockerfile;


import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of a build's Dockerfile handling on arbitrary bytes: parser, typed
 * instructions, stage model and graph, stage evaluation, variable substitution of every argument,
 * and the same text as a .dockerignore. The only failures allowed are the documented
 * {@link DockerfileSyntaxException} (with Docker's message prefix), its {@code Detail} and
 * {@link ShellLex.ShellSyntaxException} (a 400 for the build). {@link FuzzTest} is the random,
 * non-guided companion that runs in every build.
 * Seeds and regression inputs: {@code src/test/resources/dev/berth/dockerfile/DockerfileFuzzTestInputs/}.
 */
class DockerfileFuzzTest {
    /** Some variables set, some not, so both branches of ${a:-b} and ${a:+b} are reached. */
    private static final ShellLex.Env ENV = name -> name.length() % 2 == 0 ? "v a*l" : null;

    @com.code_intelligence.jazzer.junit.FuzzTest(maxDuration = "15s")
    void parse(byte[] input) {
        try {
            ParsedDockerfile parsed = DockerfileParser.parse(input);
            parsed.dump();
            ShellLex lex = ShellLex.of(parsed.escape());
            for (Statement st : parsed.statements()) {
                try {
                    Instruction.of(st);
                } catch (DockerfileSyntaxException refused) {
                    assertThat(refused.getMessage()).startsWith("dockerfile parse error on line ");
                }
                for (String arg : st.args()) {
                    try {
                        lex.process(arg, ENV);
                        lex.withRawQuotes(true).withSkipUnsetEnv(true).processWords(arg, ENV);
                    } catch (ShellLex.ShellSyntaxException refused) {
                        // bad substitution and the like
                    }
                }
            }
            DockerfileModel model = DockerfileModel.of(parsed);
            BuildArgs args = BuildArgs.of(Map.of("x", "1"));
            Map<String, String> global = args.globalScope(model);
            BuildGraph graph = BuildGraph.of(model, global);
            graph.waves(graph.target(null));
            for (DockerfileModel.Stage stage : model.stages()) {
                StageEvaluator ev = new StageEvaluator(model, args, global, List.of("PATH=/bin"), Map.of());
                for (Instruction in : stage.instructions()) {
                    ev.evaluate(in);
                }
            }
        } catch (DockerfileSyntaxException refused) {
            assertThat(refused.getMessage()).startsWith("dockerfile parse error on line ");
        }
        try {
            DockerIgnore.parse(new String(input, StandardCharsets.UTF_8)).excludes("a/b c/é.txt");
        } catch (DockerfileSyntaxException.Detail refused) {
            assertThat(refused.getMessage()).isNotEmpty();
        }
    }
}
