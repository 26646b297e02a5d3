package dev.berth.tests.build;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon's classic builder through the real docker CLI ({@code DOCKER_BUILDKIT=0 docker build}):
 * instructions end up in the image, RUN steps run, failures carry the exit code, the cache is
 * reused exactly as far as nothing changed, .dockerignore is honoured, multi-stage builds work.
 */
class ClassicBuildTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void base() {
        berthd.importBusybox("busybox:latest");
    }

    static CommandResult dockerBuild(Path context, String... args) {
        return dockerBuild(berthd, context, args);
    }

    /** {@code DOCKER_BUILDKIT=0 docker build ARGS CONTEXT} against a fixture's berthd. */
    static CommandResult dockerBuild(BerthdFixture berthd, Path context, String... args) {
        List<String> cmd = new ArrayList<>(List.of(BerthdFixture.DOCKER, "build"));
        cmd.addAll(List.of(args));
        cmd.add(context.toString());
        return BerthdFixture.run(cmd, null, Map.of("DOCKER_HOST", berthd.dockerHost(), "DOCKER_BUILDKIT", "0",
                "DOCKER_CONFIG", berthd.dir().resolve("docker-config").toString()));
    }

    static String builtId(CommandResult r) {
        Matcher m = Pattern.compile("Successfully built ([0-9a-f]{12})").matcher(r.stdout());
        assertThat(m.find()).as(r.toString()).isTrue();
        return m.group(1);
    }

    /** The container the last RUN step ran in. */
    static String ranIn(CommandResult r) {
        Matcher m = Pattern.compile("Running in ([0-9a-f]{12})").matcher(r.stdout());
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        assertThat(last).as(r.toString()).isNotNull();
        return last;
    }

    static void write(Path dir, String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void instructionsEndUpInTheImageAndRunSteps(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", """
                FROM busybox
                ENV GREETING=hello
                WORKDIR /app
                COPY hello.txt data/ ./
                RUN echo "$GREETING from run" > ran.txt && cat hello.txt
                LABEL org.example.kind=test
                EXPOSE 8080
                USER 1000:1000
                ENTRYPOINT ["/bin/sh", "-c"]
                CMD ["cat /app/hello.txt /app/ran.txt /app/sub/nested.txt; id -u; pwd"]
                """);
        write(ctx, "hello.txt", "hello file\n");
        write(ctx, "data/sub/nested.txt", "nested\n");
        CommandResult r = dockerBuild(ctx, "-t", "built:one");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Step 1/10 : FROM busybox", "Step 5/10 : RUN echo", "hello file",
                "Successfully tagged built:one");
        String run = berthd.dockerOk("run", "--rm", "built:one").stdout();
        assertThat(run).isEqualTo("hello file\nhello from run\nnested\n1000\n/app\n");
        String inspect = berthd.dockerOk("image", "inspect", "--format",
                "{{json .Config.Env}}|{{.Config.WorkingDir}}|{{.Config.User}}|{{json .Config.ExposedPorts}}|{{json .Config.Labels}}|{{json .Config.Entrypoint}}",
                "built:one").out();
        assertThat(inspect).contains("GREETING=hello", "|/app|1000:1000|{\"8080/tcp\":{}}|{\"org.example.kind\":\"test\"}|[\"/bin/sh\",\"-c\"]");
        assertThat(berthd.dockerOk("ps", "-aq").out()).as("intermediate containers removed").doesNotContain(ranIn(r));
    }

    @Test
    void failingRunGivesItsExitCode(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", """
                FROM busybox
                RUN echo about to fail; exit 3
                """);
        CommandResult r = dockerBuild(ctx, "-t", "built:fails");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stderr()).contains("The command '/bin/sh -c echo about to fail; exit 3' returned a non-zero code: 3");
        assertThat(r.stdout()).contains("about to fail");
        assertThat(berthd.docker("image", "inspect", "built:fails").exitCode()).isNotZero();
        assertThat(berthd.dockerOk("ps", "-aq").out()).as("as Docker, the failed step's container stays").contains(ranIn(r));
        CommandResult forced = dockerBuild(ctx, "--force-rm", "-t", "built:fails");
        assertThat(forced.exitCode()).as(forced.toString()).isEqualTo(3);
        assertThat(berthd.dockerOk("ps", "-aq").out()).doesNotContain(ranIn(forced));
    }

    @Test
    void secondBuildIsCachedAndAChangedFileReRunsWhatFollows(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", """
                FROM busybox
                RUN echo one > /one
                COPY a.txt /a.txt
                RUN cat /a.txt > /copy
                COPY b.txt /b.txt
                RUN cat /b.txt /a.txt > /both
                """);
        write(ctx, "a.txt", "a1\n");
        write(ctx, "b.txt", "b1\n");
        CommandResult first = dockerBuild(ctx, "-t", "built:cache");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.stdout()).doesNotContain("Using cache");
        CommandResult second = dockerBuild(ctx, "-t", "built:cache");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(count(second.stdout(), "Using cache")).isEqualTo(5);
        assertThat(second.stdout()).doesNotContain("Running in");
        assertThat(builtId(second)).isEqualTo(builtId(first));

        write(ctx, "b.txt", "b2\n");
        CommandResult third = dockerBuild(ctx, "-t", "built:cache");
        assertThat(third.exitCode()).as(third.toString()).isZero();
        assertThat(count(third.stdout(), "Using cache")).as(third.stdout()).isEqualTo(3);
        assertThat(count(third.stdout(), "Running in")).isEqualTo(1);
        assertThat(builtId(third)).isNotEqualTo(builtId(first));
        assertThat(berthd.dockerOk("run", "--rm", "built:cache", "cat", "/both").stdout()).isEqualTo("b2\na1\n");

        CommandResult noCache = dockerBuild(ctx, "--no-cache", "-t", "built:cache");
        assertThat(noCache.exitCode()).as(noCache.toString()).isZero();
        assertThat(noCache.stdout()).doesNotContain("Using cache");
    }

    @Test
    void dockerignoreLeavesFilesOut(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", """
                FROM busybox
                COPY . /ctx/
                CMD ["find", "/ctx", "-type", "f"]
                """);
        write(ctx, ".dockerignore", "secret*\nlogs/**\n!logs/keep.log\nDockerfile\n");
        write(ctx, "app.txt", "app\n");
        write(ctx, "secret.key", "no\n");
        write(ctx, "logs/a.log", "no\n");
        write(ctx, "logs/keep.log", "yes\n");
        CommandResult r = dockerBuild(ctx, "-t", "built:ignore");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> files = berthd.dockerOk("run", "--rm", "built:ignore").stdout().lines().sorted().toList();
        assertThat(files).containsExactly("/ctx/.dockerignore", "/ctx/app.txt", "/ctx/logs/keep.log");
    }

    @Test
    void multiStageCopiesFromStagesAndStopsAtTarget(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", """
                FROM busybox AS left
                RUN echo left > /left.txt

                FROM busybox AS right
                RUN echo right > /right.txt

                FROM busybox AS unused
                RUN exit 7

                FROM busybox AS final
                COPY --from=left /left.txt /out/
                COPY --from=1 /right.txt /out/
                CMD ["cat", "/out/left.txt", "/out/right.txt"]
                """);
        CommandResult r = dockerBuild(ctx, "-t", "built:multi");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).doesNotContain("exit 7");
        assertThat(berthd.dockerOk("run", "--rm", "built:multi").stdout()).isEqualTo("left\nright\n");

        CommandResult t = dockerBuild(ctx, "--target", "right", "-t", "built:right");
        assertThat(t.exitCode()).as(t.toString()).isZero();
        assertThat(t.stdout()).doesNotContain("left.txt");
        assertThat(berthd.dockerOk("run", "--rm", "built:right", "cat", "/right.txt").stdout()).isEqualTo("right\n");
        assertThat(berthd.docker("run", "--rm", "built:right", "cat", "/out/left.txt").exitCode()).isNotZero();
    }

    @Test
    void intermediateImagesStayHiddenAndBuilderPruneDropsThem(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", "FROM busybox\nRUN echo x > /x\nENV HIDDEN=1\nRUN echo y > /y\n");
        CommandResult r = dockerBuild(ctx, "-t", "hidden:1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> stepIds = new ArrayList<>();
        Matcher m = Pattern.compile(" ---> ([0-9a-f]{12})\n").matcher(r.stdout());
        while (m.find()) {
            stepIds.add(m.group(1));
        }
        assertThat(stepIds).as(r.stdout()).hasSize(4); // the base, two intermediate steps, the result
        List<String> intermediates = stepIds.subList(1, 3);
        String shown = berthd.dockerOk("images", "-q").out();
        String all = berthd.dockerOk("images", "-aq").out();
        assertThat(shown).contains(stepIds.get(3)).doesNotContain(intermediates);
        assertThat(all).contains(stepIds.get(3)).contains(intermediates);
        assertThat(berthd.dockerOk("images", "--filter", "dangling=true", "-q").out()).doesNotContain(intermediates);

        berthd.dockerOk("image", "prune", "-f");
        CommandResult cached = dockerBuild(ctx, "-t", "hidden:1");
        assertThat(count(cached.stdout(), "Using cache")).as("image prune keeps the intermediate images").isEqualTo(3);

        CommandResult prune = berthd.docker("builder", "prune", "-f");
        assertThat(prune.exitCode()).as(prune.toString()).isZero();
        assertThat(prune.stdout()).contains("Total reclaimed space");
        assertThat(berthd.dockerOk("images", "-aq").out()).doesNotContain(intermediates);
        CommandResult cold = dockerBuild(ctx, "-t", "hidden:1");
        assertThat(cold.exitCode()).as(cold.toString()).isZero();
        assertThat(cold.stdout()).doesNotContain("Using cache");
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
