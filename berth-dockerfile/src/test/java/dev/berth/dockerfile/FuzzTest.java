package dev.berth.dockerfile;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random text through every entry point: each must either succeed or fail with its own checked
 * exception, never with a runtime exception (index errors, null pointers, regex errors).
 */
class FuzzTest {
    private static final String[] PIECES = {"FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "ARG ", "LABEL ", "ONBUILD ", "HEALTHCHECK ",
            "CMD ", "SHELL ", "EXPOSE ", "VOLUME ", "USER ", "WORKDIR ", "x", "=", " ", "\t", "\n", "\r\n", "\\", "`", "\"", "'", "$",
            "{", "}", ":", "-", "+", "?", "#", "%", "/", "[", "]", ",", "<<", "<<-", "EOF", "--", "--from=", "*", "é", "\u00a0", "0"};
    private static final Random RANDOM = new Random(42);

    private static String randomText(int pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            sb.append(PIECES[RANDOM.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    @Test
    void parserAndModelNeverCrash() {
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            String text = (i % 2 == 0 ? "FROM a\n" : "") + randomText(1 + RANDOM.nextInt(30));
            try {
                ParsedDockerfile p = DockerfileParser.parse(text);
                p.dump();
                parsed++;
                DockerfileModel m = DockerfileModel.of(p);
                BuildArgs args = BuildArgs.of(Map.of("x", "1"));
                Map<String, String> global = args.globalScope(m);
                BuildGraph g = BuildGraph.of(m, global);
                g.waves(g.target(null));
                for (DockerfileModel.Stage s : m.stages()) {
                    StageEvaluator ev = new StageEvaluator(m, args, global, List.of("PATH=/bin"), Map.of());
                    for (Instruction in : s.instructions()) {
                        ev.evaluate(in);
                    }
                }
            } catch (DockerfileSyntaxException e) {
                assertThat(e.getMessage()).startsWith("dockerfile parse error on line ");
            }
        }
        assertThat(parsed).isGreaterThan(1000);
    }

    @Test
    void lexerAndMatchersNeverCrash() {
        for (int i = 0; i < 20_000; i++) {
            String text = randomText(1 + RANDOM.nextInt(12));
            try {
                ShellLex.of(i % 3 == 0 ? '`' : '\\').withRawQuotes(i % 2 == 0).process(text, Map.of("x", "a*b/c")::get);
            } catch (ShellLex.ShellSyntaxException e) {
                assertThat(e.getMessage()).startsWith("failed to process");
            }
            try {
                GoGlob.compile(text).matches("x/a*b/c[d]");
            } catch (GoGlob.BadPatternException e) {
                assertThat(e.getMessage()).startsWith("syntax error in pattern");
            }
            try {
                DockerIgnore.parse(text).excludes("x/a b/é.txt");
            } catch (DockerfileSyntaxException.Detail e) {
                assertThat(e.getMessage()).isNotEmpty();
            }
            try {
                MountSpec.parse(text);
            } catch (DockerfileSyntaxException.Detail e) {
                assertThat(e.getMessage()).isNotEmpty();
            }
        }
    }
}
