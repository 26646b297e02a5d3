package dev.berth.dockerfile;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BuildGraphTest {
    private static BuildGraph graph(String df, Map<String, String> args) throws DockerfileSyntaxException {
        DockerfileModel model = DockerfileModel.parse(df);
        return BuildGraph.of(model, BuildArgs.of(args).globalScope(model));
    }

    private static final String MULTI = """
            ARG TOOLS=tools
            FROM alpine AS base
            RUN apk add make
            FROM base AS deps
            RUN make deps
            FROM golang AS build
            RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=deps,source=/out,target=/deps go build
            FROM busybox AS docs
            COPY --from=nginx:latest /etc/nginx /n
            FROM scratch AS final
            COPY --from=build /app /app
            COPY --from=1 /deps /deps
            COPY --from=${TOOLS} /bin/x /x
            FROM alpine AS unrelated
            RUN echo unused
            """;

    @Test
    void dependenciesComeFromFromCopyFromAndMounts() throws Exception {
        BuildGraph g = graph(MULTI, Map.of("TOOLS", "registry/tools:1"));
        assertThat(g.node(0).baseStage()).isEqualTo(-1);
        assertThat(g.node(1).baseStage()).isEqualTo(0);
        assertThat(g.node(2).stageDeps()).containsExactly(1);
        assertThat(g.node(3).stageDeps()).isEmpty();
        assertThat(g.node(3).imageDeps()).containsExactly("nginx:latest");
        assertThat(g.node(4).stageDeps()).containsExactly(1, 2);
        assertThat(g.node(4).imageDeps()).containsExactly("registry/tools:1");
        assertThat(g.node(4).from().image()).isEqualTo("scratch");
    }

    @Test
    void theTargetDecidesWhatIsBuiltAndIndependentStagesShareAWave() throws Exception {
        BuildGraph g = graph(MULTI, Map.of());
        assertThat(g.target(null)).isEqualTo(5);
        assertThat(g.needed(5)).containsExactly(5);
        int fin = g.target("FINAL");
        assertThat(g.needed(fin)).containsExactly(0, 1, 2, 4);
        assertThat(g.waves(fin)).containsExactly(List.of(0), List.of(1), List.of(2), List.of(4));

        BuildGraph parallel = graph("""
                FROM alpine AS a
                RUN a
                FROM alpine AS b
                RUN b
                FROM alpine AS c
                COPY --from=a /a /a
                FROM scratch
                COPY --from=b /b /b
                COPY --from=c /c /c
                """, Map.of());
        assertThat(parallel.waves(parallel.target(""))).containsExactly(List.of(0, 1), List.of(2), List.of(3));
        assertThat(parallel.waves(parallel.target("b"))).containsExactly(List.of(1));
        assertThatThrownBy(() -> parallel.target("nope")).hasMessageContaining("failed to reach build target nope in Dockerfile");
    }

    @Test
    void fromNamesOnlyEarlierStagesAndNumbersMustBeEarlier() throws Exception {
        BuildGraph g = graph("FROM later AS first\nFROM alpine AS later\n", Map.of());
        assertThat(g.node(0).baseStage()).isEqualTo(-1);
        assertThatThrownBy(() -> graph("FROM a\nCOPY --from=0 / /\n", Map.of()))
                .hasMessage("dockerfile parse error on line 2: invalid from flag value 0: refers to current or future build stage");
        assertThatThrownBy(() -> graph("FROM a\nRUN --mount=type=nope,target=/x true\n", Map.of()))
                .hasMessage("dockerfile parse error on line 2: unsupported mount type \"nope\"");
    }

    @Test
    void mountSpecs() throws Exception {
        MountSpec cache = MountSpec.parse("type=cache,target=/root/.cache,sharing=locked");
        assertThat(cache).isEqualTo(new MountSpec("cache", "/root/.cache", null, null, false, "/root/.cache", "locked", null, null, null, false));
        MountSpec bind = MountSpec.parse("from=build,src=/out,dst=/in");
        assertThat(bind.type()).isEqualTo("bind");
        assertThat(bind.readOnly()).isTrue();
        assertThat(MountSpec.parse("target=/x,rw").readOnly()).isFalse();
        assertThat(MountSpec.parse("type=secret,id=aws,required").required()).isTrue();
        assertThat(MountSpec.csv("a=\"x,y\",b")).containsExactly("a=x,y", "b");
        assertThatThrownBy(() -> MountSpec.parse("type=bind")).hasMessage("mount type bind requires a target");
        assertThatThrownBy(() -> MountSpec.parse("target=/x,bogus=1")).hasMessage("unexpected key 'bogus' in 'bogus=1'");
    }
}
