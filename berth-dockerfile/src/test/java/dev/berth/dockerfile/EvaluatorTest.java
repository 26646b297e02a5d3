package dev.berth.dockerfile;

import dev.berth.dockerfile.Instruction.ArgDef;
import dev.berth.dockerfile.Instruction.KeyValue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ARG/ENV scoping and expansion per instruction, following the Dockerfile reference's examples. */
class EvaluatorTest {
    /** Evaluates one stage; returns the expanded instructions. */
    private static List<Instruction> evaluate(String dockerfile, Map<String, String> buildArgs, int stage, List<String> baseEnv,
                                              StageEvaluator[] out) throws DockerfileSyntaxException {
        DockerfileModel model = DockerfileModel.parse(dockerfile);
        BuildArgs args = BuildArgs.of(buildArgs);
        StageEvaluator ev = new StageEvaluator(model, args, args.globalScope(model), baseEnv, Map.of());
        List<Instruction> result = new ArrayList<>();
        for (Instruction in : model.stages().get(stage).instructions()) {
            result.add(ev.evaluate(in));
        }
        if (out != null) {
            out[0] = ev;
        }
        return result;
    }

    private static List<Instruction> evaluate(String dockerfile, Map<String, String> buildArgs) throws DockerfileSyntaxException {
        return evaluate(dockerfile, buildArgs, 0, List.of("PATH=/usr/bin"), null);
    }

    @Test
    void envSubstitutionUsesTheValueBeforeTheInstruction() throws Exception {
        StageEvaluator[] ev = new StageEvaluator[1];
        List<Instruction> out = evaluate("""
                FROM busybox
                ENV abc=hello
                ENV abc=bye def=$abc
                ENV ghi=$abc
                ENV FOO=/bar
                WORKDIR ${FOO}
                ADD . $FOO
                COPY \\$FOO /quux
                ENV DIRPATH=/path
                WORKDIR $DIRPATH/$DIRNAME
                ENV PATH=/opt:$PATH MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog
                ENV legacy "quoted value" here
                """, Map.of(), 0, List.of("PATH=/usr/bin"), ev);
        assertThat(((Instruction.Env) out.get(1)).pairs()).containsExactly(new KeyValue("abc", "bye"), new KeyValue("def", "hello"));
        assertThat(((Instruction.Env) out.get(2)).pairs()).containsExactly(new KeyValue("ghi", "bye"));
        assertThat(((Instruction.Workdir) out.get(4)).path()).isEqualTo("/bar");
        assertThat(((Instruction.Copy) out.get(5)).dest()).isEqualTo("/bar");
        assertThat(((Instruction.Copy) out.get(6)).sources()).containsExactly("$FOO");
        assertThat(((Instruction.Workdir) out.get(8)).path()).isEqualTo("/path/");
        assertThat(ev[0].env()).containsExactly("PATH=/opt:/usr/bin", "abc=bye", "def=hello", "ghi=bye", "FOO=/bar", "DIRPATH=/path",
                "MY_NAME=John Doe", "MY_DOG=Rex The Dog", "legacy=quoted value here");
    }

    @Test
    void argScopeStartsAtItsDeclaration() throws Exception {
        List<Instruction> out = evaluate("""
                FROM busybox
                USER ${username:-some_user}
                ARG username
                USER $username
                ARG unset
                USER x${unset-default}
                """, Map.of("username", "what_user"));
        assertThat(((Instruction.User) out.get(0)).user()).isEqualTo("some_user");
        assertThat(((Instruction.Arg) out.get(1)).args()).containsExactly(new ArgDef("username", "what_user"));
        assertThat(((Instruction.User) out.get(2)).user()).isEqualTo("what_user");
        assertThat(((Instruction.User) out.get(4)).user()).isEqualTo("xdefault");
    }

    @Test
    void envOverridesArgAndDefaultsApply() throws Exception {
        StageEvaluator[] ev = new StageEvaluator[1];
        List<Instruction> out = evaluate("""
                FROM ubuntu
                ARG CONT_IMG_VER
                ENV CONT_IMG_VER=v1.0.0
                LABEL v=$CONT_IMG_VER
                ARG B=1 C=$B
                ARG D="quoted default" E
                """, Map.of("CONT_IMG_VER", "v2.0.1", "B", "2"), 0, List.of(), ev);
        assertThat(((Instruction.Label) out.get(2)).pairs()).containsExactly(new KeyValue("v", "v1.0.0"));
        // ARGs of one instruction see the scope before it: C's default uses the B before this line (unset).
        assertThat(((Instruction.Arg) out.get(3)).args()).containsExactly(new ArgDef("B", "2"), new ArgDef("C", ""));
        assertThat(((Instruction.Arg) out.get(4)).args()).containsExactly(new ArgDef("D", "quoted default"), new ArgDef("E", null));
        assertThat(ev[0].runArgs()).containsExactly("B=2", "C=", "D=quoted default");
        assertThat(ev[0].env()).containsExactly("CONT_IMG_VER=v1.0.0");

        List<Instruction> withDefault = evaluate("""
                FROM ubuntu
                ARG CONT_IMG_VER
                ENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}
                """, Map.of());
        assertThat(((Instruction.Env) withDefault.get(1)).pairs()).containsExactly(new KeyValue("CONT_IMG_VER", "v1.0.0"));
    }

    @Test
    void globalArgsServeFromAndNeedRedeclaringInsideAStage() throws Exception {
        String df = """
                ARG VERSION=latest
                ARG IMAGE=busybox:$VERSION
                FROM $IMAGE
                USER u${VERSION}
                ARG VERSION
                USER u${VERSION}
                """;
        DockerfileModel model = DockerfileModel.parse(df);
        BuildArgs args = BuildArgs.of(Map.of("VERSION", "1.36", "UNUSED", "x"));
        Map<String, String> global = args.globalScope(model);
        assertThat(StageEvaluator.expandFrom(model.stages().getFirst().from(), model, global).image()).isEqualTo("busybox:1.36");
        StageEvaluator ev = new StageEvaluator(model, args, global, List.of(), Map.of());
        List<Instruction> out = new ArrayList<>();
        for (Instruction in : model.stages().getFirst().instructions()) {
            out.add(ev.evaluate(in));
        }
        assertThat(((Instruction.User) out.get(0)).user()).isEqualTo("u");
        assertThat(((Instruction.User) out.get(2)).user()).isEqualTo("u1.36");
        assertThat(args.unconsumed()).containsExactly("UNUSED");

        DockerfileModel noValue = DockerfileModel.parse("ARG V=def\nFROM a\nARG V\nUSER $V\n");
        BuildArgs none = BuildArgs.of(Map.of());
        StageEvaluator ev2 = new StageEvaluator(noValue, none, none.globalScope(noValue), List.of(), Map.of());
        ev2.evaluate(noValue.stages().getFirst().instructions().get(0));
        assertThat(((Instruction.User) ev2.evaluate(noValue.stages().getFirst().instructions().get(1))).user()).isEqualTo("def");
    }

    @Test
    void aStageBasedOnAnotherInheritsItsEnvAndArgs() throws Exception {
        DockerfileModel model = DockerfileModel.parse("FROM alpine AS base\nARG VERSION=1.0\nENV HOME_DIR=/srv\n"
                + "FROM base AS app\nWORKDIR $HOME_DIR/$VERSION\nFROM alpine AS other\nWORKDIR /x$VERSION\n");
        BuildArgs args = BuildArgs.of(Map.of());
        Map<String, String> global = args.globalScope(model);
        StageEvaluator base = new StageEvaluator(model, args, global, List.of("PATH=/bin"), Map.of());
        for (Instruction in : model.stages().get(0).instructions()) {
            base.evaluate(in);
        }
        StageEvaluator app = new StageEvaluator(model, args, global, base.env(), base.declaredArgs());
        assertThat(((Instruction.Workdir) app.evaluate(model.stages().get(1).instructions().getFirst())).path()).isEqualTo("/srv/1.0");
        StageEvaluator other = new StageEvaluator(model, args, global, List.of("PATH=/bin"), Map.of());
        assertThat(((Instruction.Workdir) other.evaluate(model.stages().get(2).instructions().getFirst())).path()).isEqualTo("/x");
        assertThat(model.stages().get(1).from().text()).isEqualTo("FROM base AS app");
    }

    @Test
    void platformArgsAreGlobal() throws Exception {
        DockerfileModel model = DockerfileModel.parse("FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nUSER $TARGETARCH$BUILDOS\n");
        BuildArgs args = new BuildArgs(Map.of(), BuildArgs.platformArgs("linux/arm/v7", "linux/amd64"));
        Map<String, String> global = args.globalScope(model);
        assertThat(StageEvaluator.expandFrom(model.stages().getFirst().from(), model, global).platform()).isEqualTo("linux/amd64");
        StageEvaluator ev = new StageEvaluator(model, args, global, List.of(), Map.of());
        ev.evaluate(model.stages().getFirst().instructions().get(0));
        assertThat(((Instruction.User) ev.evaluate(model.stages().getFirst().instructions().get(1))).user()).isEqualTo("arm");
    }

    @Test
    void runEnvironmentHasArgsAndProxiesButCacheArgsSkipProxies() throws Exception {
        StageEvaluator[] ev = new StageEvaluator[1];
        Map<String, String> buildArgs = new HashMap<>(Map.of("HTTP_PROXY", "http://p:3128", "A", "1"));
        evaluate("FROM a\nARG Z=26\nARG A\nENV E=e\nARG E=shadowed\n", buildArgs, 0, List.of("PATH=/bin"), ev);
        assertThat(ev[0].runArgs()).containsExactly("A=1", "Z=26");
        assertThat(ev[0].runEnv()).containsExactly("PATH=/bin", "E=e", "A=1", "Z=26", "HTTP_PROXY=http://p:3128");
        assertThat(ev[0].lookup("E")).isEqualTo("e");
    }

    @Test
    void exposeSplitsWordsAndCopyExpandsFlagsAndHeredocs() throws Exception {
        List<Instruction> out = evaluate("""
                FROM a
                ENV PORTS="80 443/udp" OWNER=app MODE=0755 NAME=world
                EXPOSE $PORTS 8080
                COPY --chown=$OWNER:$OWNER --chmod=$MODE <<EOF <<'RAW' /dst/
                hello "$NAME"
                EOF
                hello "$NAME"
                RAW
                VOLUME $OWNER /v2
                STOPSIGNAL SIG${OWNER:+KILL}
                RUN --mount=type=cache,target=/$OWNER echo $OWNER
                """, Map.of());
        assertThat(((Instruction.Expose) out.get(1)).ports()).containsExactly("80", "443/udp", "8080");
        Instruction.Copy c = (Instruction.Copy) out.get(2);
        assertThat(c.chown()).isEqualTo("app:app");
        assertThat(c.chmod()).isEqualTo("0755");
        assertThat(c.inline()).containsExactly(new Instruction.InlineSource("EOF", "hello \"world\"\n", true),
                new Instruction.InlineSource("RAW", "hello \"$NAME\"\n", false));
        assertThat(((Instruction.Volume) out.get(3)).paths()).containsExactly("app", "/v2");
        assertThat(((Instruction.StopSignal) out.get(4)).signal()).isEqualTo("SIGKILL");
        Instruction.Run run = (Instruction.Run) out.get(5);
        assertThat(run.mounts()).containsExactly("type=cache,target=/app");
        assertThat(run.command().args()).containsExactly("echo $OWNER");
    }

    @Test
    void expansionErrorsNameTheLine() {
        assertThatThrownBy(() -> evaluate("FROM a\n\nUSER ${x\n", Map.of()))
                .isInstanceOf(DockerfileSyntaxException.class).hasMessageContaining("line 3").hasMessageContaining("missing '}'");
        assertThatThrownBy(() -> evaluate("FROM a\nWORKDIR ${NEEDED:?must be given}\n", Map.of()))
                .hasMessageContaining("line 2").hasMessageContaining("NEEDED: must be given");
        assertThatThrownBy(() -> {
            DockerfileModel m = DockerfileModel.parse("ARG B\nFROM $B\n");
            BuildArgs a = BuildArgs.of(Map.of());
            StageEvaluator.expandFrom(m.stages().getFirst().from(), m, a.globalScope(m));
        }).hasMessage("dockerfile parse error on line 2: base name ($B) should not be blank");
    }
}
