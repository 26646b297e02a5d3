package dev.berth.tests.build;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code berth debug parse-dockerfile} through the real CLI (bin/berth and the built jar): every
 * parser vector's dump equals its {@code result}; syntax errors name the line and exit 1.
 */
class ParseDockerfileCliTest {
    private static final Path REPO = BerthdFixture.repoRoot();

    private static CommandResult berth(byte[] stdin, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(REPO.resolve("bin/berth").toString()));
        cmd.addAll(List.of(args));
        return BerthdFixture.run(cmd, stdin, Map.of());
    }

    private static String utf8(String iso) {
        return new String(iso.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    static Map<String, Path> vectors() throws IOException {
        Map<String, Path> byName = new TreeMap<>();
        for (Path root : List.of(REPO.resolve("berth-dockerfile/src/test/resources/dockerfile-parser"),
                REPO.resolve("../shared/testdata/dockerfile-parser").normalize())) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> dirs = Files.list(root)) {
                    dirs.filter(d -> Files.isRegularFile(d.resolve("result"))).forEach(d -> byName.put(d.getFileName().toString(), d));
                }
            }
        }
        return byName;
    }

    @TestFactory
    Stream<DynamicTest> everyVectorDumpsAsItsResult() throws IOException {
        Map<String, Path> vectors = vectors();
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(22);
        return vectors.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            CommandResult r = berth(null, "debug", "parse-dockerfile", e.getValue().resolve("Dockerfile").toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            String expected = Files.readString(e.getValue().resolve("result")).replace("\r\n", "\n").stripTrailing();
            assertThat(utf8(r.stdout()).stripTrailing()).isEqualTo(expected);
        }));
    }

    @Test
    void readsStandardInputAndReportsSyntaxErrorsWithTheirLine(@TempDir Path dir) throws IOException {
        CommandResult ok = berth("FROM a\nCOPY <<EOF /x\nhello\nEOF\n".getBytes(StandardCharsets.UTF_8), "debug", "parse-dockerfile", "-");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).isEqualTo("(from \"a\")\n(copy \"<<EOF\" \"/x\")\n");

        Path bad = dir.resolve("Dockerfile");
        Files.writeString(bad, "FROM a\nRUN ok\nLABEL a=b c\n");
        CommandResult err = berth(null, "debug", "parse-dockerfile", bad.toString());
        assertThat(err.exitCode()).isEqualTo(1);
        assertThat(err.stderr()).contains("dockerfile parse error on line 3: Syntax error - can't find = in \"c\"");
        assertThat(err.stdout()).isEmpty();

        CommandResult missing = berth(null, "debug", "parse-dockerfile", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("no such file or directory");
    }

    @Test
    void verboseShowsHeredocBodiesAndLines(@TempDir Path dir) throws IOException {
        Path df = dir.resolve("Dockerfile");
        Files.writeString(df, "# syntax=docker/dockerfile:1\nFROM a\nRUN <<-'EOT' sh\n\techo $HOME\n\tEOT\n");
        CommandResult r = berth(null, "debug", "parse-dockerfile", "-v", df.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("# syntax=docker/dockerfile:1\n(from \"a\")  # lines 2-2\n(run \"<<-'EOT' sh\")  # lines 3-5\n"
                + "  <<-EOT (no expansion): \"\\techo $HOME\\n\"\n");
    }
}
