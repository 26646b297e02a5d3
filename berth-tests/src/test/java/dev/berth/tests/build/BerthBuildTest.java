package dev.berth.tests.build;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.berth.tests.build.ClassicBuildTest.builtId;
import static dev.berth.tests.build.ClassicBuildTest.count;
import static dev.berth.tests.build.ClassicBuildTest.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code berth build} (context tar made by berth with its .dockerignore), more instructions
 * (ADD of a local tar, --chown/--chmod, ARG/--build-arg, SHELL, ONBUILD, VOLUME, STOPSIGNAL,
 * HEALTHCHECK, --label), parallel stages, and the cache across a berthd restart.
 */
class BerthBuildTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void base() {
        berthd.importBusybox("busybox:latest");
    }

    static CommandResult dockerBuild(Path context, String... args) {
        return ClassicBuildTest.dockerBuild(berthd, context, args);
    }

    @Test
    void berthBuildSendsTheContextWithItsDockerignore(@TempDir Path ctx) throws IOException {
        write(ctx, "build/Dockerfile.app", """
                FROM busybox
                ARG VERSION=0
                COPY . /src/
                RUN echo "v$VERSION" > /version
                CMD ["sh", "-c", "cat /version; find /src -type f | sort"]
                """);
        write(ctx, ".dockerignore", "*.tmp\nbuild\n");
        write(ctx, "main.txt", "main\n");
        write(ctx, "junk.tmp", "junk\n");
        write(ctx, "long/" + "d".repeat(120) + "/file.txt", "deep\n");
        CommandResult r = berthd.berth("build", "-f", ctx.resolve("build/Dockerfile.app").toString(), "--build-arg", "VERSION=7",
                "-t", "bb:one", "--label", "from=berth", ctx.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Step 1/6 : FROM busybox", "Successfully built", "Successfully tagged bb:one");
        String out = berthd.dockerOk("run", "--rm", "bb:one").stdout();
        assertThat(out).isEqualTo("v7\n/src/.dockerignore\n/src/long/" + "d".repeat(120) + "/file.txt\n/src/main.txt\n");
        assertThat(berthd.dockerOk("image", "inspect", "--format", "{{index .Config.Labels \"from\"}}", "bb:one").out()).isEqualTo("berth");

        CommandResult again = berthd.berth("build", "-q", "-f", ctx.resolve("build/Dockerfile.app").toString(), "--build-arg",
                "VERSION=7", "-t", "bb:one", "--label", "from=berth", ctx.toString());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).matches("sha256:[0-9a-f]{64}").startsWith("sha256:" + builtId(r));
    }

    @Test
    void wildcardSourcesAndMissingOnes(@TempDir Path ctx) throws IOException {
        write(ctx, "a.txt", "a\n");
        write(ctx, "b.txt", "b\n");
        write(ctx, "c.md", "c\n");
        write(ctx, "pkg/one/x.conf", "1\n");
        write(ctx, "pkg/two/x.conf", "2\n");
        write(ctx, "Dockerfile", """
                FROM busybox
                COPY *.txt /txt/
                COPY pkg/*/x.conf /conf/
                COPY pkg /pkg
                CMD ["sh", "-c", "ls /txt /conf; find /pkg -type f | sort"]
                """);
        CommandResult r = berthd.berth("build", "-t", "wild:1", ctx.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "wild:1").stdout())
                .isEqualTo("/conf:\nx.conf\n\n/txt:\na.txt\nb.txt\n/pkg/one/x.conf\n/pkg/two/x.conf\n");

        write(ctx, "Dockerfile", "FROM busybox\nCOPY *.txt /one-file\n");
        CommandResult many = berthd.berth("build", ctx.toString());
        assertThat(many.exitCode()).isEqualTo(1);
        assertThat(many.stderr()).contains("When using COPY with more than one source file, the destination must be a directory and end with a /");

        write(ctx, "Dockerfile", "FROM busybox\nCOPY nothere.txt /x\n");
        CommandResult missing = berthd.berth("build", ctx.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("COPY failed: file not found in build context or excluded by .dockerignore: stat nothere.txt");
    }

    @Test
    void berthBuildFailureExitsWithTheRunCode(@TempDir Path ctx) throws IOException {
        write(ctx, "Dockerfile", "FROM busybox\nRUN exit 42\n");
        CommandResult r = berthd.berth("build", ctx.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(42);
        assertThat(r.stderr()).contains("The command '/bin/sh -c exit 42' returned a non-zero code: 42");
    }

    @Test
    void moreInstructions(@TempDir Path ctx) throws IOException, InterruptedException {
        Path payload = Files.createDirectories(ctx.resolve("payload"));
        Files.writeString(payload.resolve("inside.txt"), "from the tar\n");
        Process tar = new ProcessBuilder("tar", "-czf", ctx.resolve("bundle.tar.gz").toString(), "-C", payload.toString(), ".").start();
        assertThat(tar.waitFor()).isZero();
        write(ctx, "script.sh", "echo script\n");
        Files.setPosixFilePermissions(ctx.resolve("script.sh"), PosixFilePermissions.fromString("rw-r--r--"));
        write(ctx, "Dockerfile", """
                FROM busybox
                SHELL ["/bin/sh", "-ec"]
                ADD bundle.tar.gz /unpacked/
                COPY --chown=1234:2345 --chmod=755 script.sh /bin/script
                RUN [ "$(stat -c %u:%g:%a /bin/script)" = "1234:2345:755" ] && script > /ran
                VOLUME /data
                STOPSIGNAL SIGUSR1
                HEALTHCHECK --interval=5s --retries=2 CMD true
                ONBUILD RUN echo triggered > /onbuild
                """);
        CommandResult r = dockerBuild(ctx, "-t", "more:base");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "more:base", "cat", "/unpacked/inside.txt", "/ran").stdout())
                .isEqualTo("from the tar\nscript\n");
        String inspect = berthd.dockerOk("image", "inspect", "--format",
                "{{json .Config.Volumes}}|{{.Config.StopSignal}}|{{json .Config.Healthcheck}}|{{json .Config.OnBuild}}|{{json .Config.Shell}}",
                "more:base").out();
        assertThat(inspect).startsWith("{\"/data\":{}}|SIGUSR1|{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":5000000000,\"Retries\":2}|")
                .contains("RUN echo triggered").endsWith("|[\"/bin/sh\",\"-ec\"]");

        Path child = Files.createDirectories(ctx.resolve("child"));
        write(child, "Dockerfile", "FROM more:base\nCMD [\"cat\", \"/onbuild\"]\n");
        CommandResult c = dockerBuild(child, "-t", "more:child");
        assertThat(c.exitCode()).as(c.toString()).isZero();
        assertThat(c.stdout()).contains("# Executing 1 build trigger");
        assertThat(berthd.dockerOk("run", "--rm", "more:child").stdout()).isEqualTo("triggered\n");
        assertThat(berthd.dockerOk("image", "inspect", "--format", "{{json .Config.OnBuild}}", "more:child").out()).isIn("null", "[]");
    }

    @Test
    void independentStagesBuildInParallel(@TempDir Path ctx) throws IOException {
        // each stage waits (at most 20 s) until the other has started: both files only exist when they ran at once
        write(ctx, "Dockerfile", """
                FROM busybox AS a
                RUN --mount=type=cache,id=rv,target=/rv touch /rv/a && for i in $(seq 1 200); do [ -e /rv/b ] && break; sleep 0.1; done; [ -e /rv/b ] && echo a-saw-b > /a

                FROM busybox AS b
                RUN --mount=type=cache,id=rv,target=/rv touch /rv/b && for i in $(seq 1 200); do [ -e /rv/a ] && break; sleep 0.1; done; [ -e /rv/a ] && echo b-saw-a > /b

                FROM busybox
                COPY --from=a /a /
                COPY --from=b /b /
                RUN --mount=type=cache,id=rv,target=/rv rm -f /rv/a /rv/b
                CMD ["cat", "/a", "/b"]
                """);
        CommandResult r = dockerBuild(ctx, "-t", "parallel:1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "parallel:1").stdout()).isEqualTo("a-saw-b\nb-saw-a\n");
    }

    @Test
    void runMountsAndNetworkNone(@TempDir Path ctx) throws IOException {
        write(ctx, "input.txt", "from the context\n");
        write(ctx, "Dockerfile", """
                FROM busybox AS tools
                RUN mkdir /out && echo tool-output > /out/result

                FROM busybox
                RUN --mount=type=bind,from=tools,source=/out,target=/in cp /in/result /result
                RUN --mount=type=bind,target=/ctx cp /ctx/input.txt /input && ! touch /ctx/new 2>/dev/null
                RUN --mount=type=bind,target=/ctx,rw touch /ctx/scribble
                RUN --network=none sh -c '! grep -q eth0 /proc/net/dev' && echo isolated > /net
                RUN grep -q eth0 /proc/net/dev && echo connected >> /net
                CMD ["cat", "/result", "/input", "/net"]
                """);
        CommandResult r = dockerBuild(ctx, "-t", "mounts:1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "mounts:1").stdout()).isEqualTo("tool-output\nfrom the context\nisolated\nconnected\n");
        assertThat(ctx.resolve("scribble")).as("a rw bind mount writes to a throw-away layer").doesNotExist();
        assertThat(berthd.docker("run", "--rm", "mounts:1", "ls", "/in").exitCode()).isNotZero();

        write(ctx, "input.txt", "changed\n");
        CommandResult again = dockerBuild(ctx, "-t", "mounts:1");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "mounts:1", "cat", "/input").stdout()).as("a changed bind source re-runs the step")
                .isEqualTo("changed\n");
    }

    @Test
    void heredocsAndAddOfAUrl(@TempDir Path ctx) throws IOException {
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/file.txt", ex -> {
            byte[] b = "served\n".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        try {
            write(ctx, "Dockerfile", """
                    FROM busybox
                    ENV WHO=world
                    COPY <<EOF /greeting
                    hello $WHO
                    EOF
                    RUN <<EOF
                    echo heredoc-run > /h
                    echo second line >> /h
                    EOF
                    ADD http://127.0.0.1:%d/file.txt /downloaded/
                    CMD ["sh", "-c", "cat /greeting /h /downloaded/file.txt; stat -c '%%a %%Y' /downloaded/file.txt"]
                    """.formatted(http.getAddress().getPort()));
            CommandResult r = dockerBuild(ctx, "-t", "heredoc:1");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(berthd.dockerOk("run", "--rm", "heredoc:1").stdout())
                    .isEqualTo("hello world\nheredoc-run\nsecond line\nserved\n600 1445412480\n");
        } finally {
            http.stop(0);
        }
    }

    @Test
    void destinationsFollowTheImagesSymlinks(@TempDir Path ctx) throws IOException {
        write(ctx, "f", "file\n");
        write(ctx, "Dockerfile", """
                FROM busybox
                RUN mkdir -p /usr/lib2 && ln -s usr/lib2 /lib2 && ln -s /usr/lib2 /abs2 && ln -s ../.. /usr/lib2/up
                COPY f /lib2/
                COPY f /abs2/g
                COPY f /usr/lib2/up/usr/lib2/h
                WORKDIR /lib2/work
                RUN [ -L /lib2 ] && [ -L /abs2 ] && ls /usr/lib2 > /out && pwd -P >> /out

                FROM busybox
                COPY --from=0 /out /out
                COPY --from=0 /lib2/f /abs2/g /through-links/
                CMD ["cat", "/out", "/through-links/f", "/through-links/g"]
                """);
        CommandResult r = dockerBuild(ctx, "-t", "links:1");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "links:1").stdout())
                .isEqualTo("f\ng\nh\nup\nwork\n/usr/lib2/work\nfile\nfile\n");
    }

    @Test
    void cacheSurvivesRestart(@TempDir Path ctx) throws IOException, InterruptedException {
        write(ctx, "Dockerfile", "FROM busybox\nCOPY f /f\nRUN cat /f > /g\n");
        write(ctx, "f", "restart\n");
        CommandResult first = dockerBuild(ctx, "-t", "restart:1");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        berthd.restart();
        CommandResult second = dockerBuild(ctx, "-t", "restart:1");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(count(second.stdout(), "Using cache")).isEqualTo(2);
        assertThat(builtId(second)).isEqualTo(builtId(first));
    }

    @Test
    void stdinDockerfileAndContextTar(@TempDir Path ctx) throws IOException {
        CommandResult r = berthd.berthWithInput("FROM busybox\nRUN echo from-stdin > /s\n".getBytes(StandardCharsets.UTF_8),
                "build", "-t", "stdin:1", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(berthd.dockerOk("run", "--rm", "stdin:1", "cat", "/s").stdout()).isEqualTo("from-stdin\n");
    }
}
