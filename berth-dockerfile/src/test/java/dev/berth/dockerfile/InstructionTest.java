package dev.berth.dockerfile;

import dev.berth.dockerfile.Instruction.ArgDef;
import dev.berth.dockerfile.Instruction.Copy;
import dev.berth.dockerfile.Instruction.From;
import dev.berth.dockerfile.Instruction.Healthcheck;
import dev.berth.dockerfile.Instruction.InlineSource;
import dev.berth.dockerfile.Instruction.Run;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InstructionTest {
    private static Instruction one(String line) throws DockerfileSyntaxException {
        return Instruction.of(DockerfileParser.parse(line).statements().getFirst());
    }

    private static void rejects(String dockerfile, String message) {
        assertThatThrownBy(() -> DockerfileModel.parse(dockerfile)).isInstanceOf(DockerfileSyntaxException.class).hasMessage(message);
    }

    @Test
    void from() throws Exception {
        assertThat(one("FROM --platform=linux/arm64 Alpine:3 As Build")).isEqualTo(
                new From("Alpine:3", "linux/arm64", "build", DockerfileParser.parse("FROM --platform=linux/arm64 Alpine:3 As Build").statements().getFirst()));
        assertThat(((From) one("FROM scratch")).stageName()).isNull();
        rejects("FROM a b", "dockerfile parse error on line 1: FROM requires either one or three arguments");
        rejects("FROM a AS 1x", "dockerfile parse error on line 1: invalid name for build stage: \"1x\", name can't start with a number or contain symbols");
        rejects("FROM --plat=x a", "dockerfile parse error on line 1: unknown flag: plat");
        rejects("FROM a AS x\nFROM b AS X", "dockerfile parse error on line 2: duplicate stage name \"x\"");
        rejects("RUN x\nFROM a", "dockerfile parse error on line 1: no build stage in current context");
        rejects("ARG a", "dockerfile parse error on line 1: no build stage in current context");
    }

    @Test
    void runForms() throws Exception {
        Run shell = (Run) one("RUN --mount=type=cache,target=/c --network=none echo $HOME");
        assertThat(shell.command()).isEqualTo(new Instruction.CommandLine(List.of("echo $HOME"), true));
        assertThat(shell.mounts()).containsExactly("type=cache,target=/c");
        assertThat(shell.network()).isEqualTo("none");
        Run exec = (Run) one("RUN [\"echo\", \"$HOME\"]");
        assertThat(exec.command()).isEqualTo(new Instruction.CommandLine(List.of("echo", "$HOME"), false));
        assertThat(((Run) one("RUN <<EOF\nls\nEOF")).heredocs()).hasSize(1);
        assertThat(((Run) one("RUN")).command().args()).isEmpty();
        rejects("FROM a\nRUN --network=bridge x", "dockerfile parse error on line 2: unsupported network mode \"bridge\"");
        rejects("FROM a\nRUN --network x", "dockerfile parse error on line 2: missing a value on flag: network");
        rejects("FROM a\nRUN --network=none --network=none x", "dockerfile parse error on line 2: duplicate flag specified: network");
    }

    @Test
    void copyAndAdd() throws Exception {
        Copy c = (Copy) one("COPY --from=build --chown=1:2 --chmod=755 --link a b* /dst/");
        assertThat(c.add()).isFalse();
        assertThat(c.sources()).containsExactly("a", "b*");
        assertThat(c.dest()).isEqualTo("/dst/");
        assertThat(c.from()).isEqualTo("build");
        assertThat(c.chown()).isEqualTo("1:2");
        assertThat(c.chmod()).isEqualTo("755");
        assertThat(c.link()).isTrue();
        Copy heredoc = (Copy) one("COPY <<-EOF <<\"RAW\" /dst/\n\thello $X\n\tEOF\n$Y\nRAW");
        assertThat(heredoc.sources()).isEmpty();
        assertThat(heredoc.inline()).containsExactly(new InlineSource("EOF", "hello $X\n", true), new InlineSource("RAW", "$Y\n", false));
        Copy add = (Copy) one("ADD --checksum=sha256:abc --unpack=false http://x/y /z");
        assertThat(add.add()).isTrue();
        assertThat(add.checksum()).isEqualTo("sha256:abc");
        assertThat(add.unpack()).isFalse();
        Copy json = (Copy) one("COPY [\"<<EOF\", \"/x\"]");
        assertThat(json.sources()).containsExactly("<<EOF");
        rejects("FROM a\nCOPY x", "dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined");
        rejects("FROM a\nADD --from=x a b", "dockerfile parse error on line 2: unknown flag: from");
        rejects("FROM a\nCOPY a <<EOF\nx\nEOF", "dockerfile parse error on line 2: COPY cannot accept a heredoc as a destination");
        rejects("FROM a\nCOPY --link=maybe a b", "dockerfile parse error on line 2: expecting boolean value for flag link, not: maybe");
    }

    @Test
    void onbuildTriggersRoundTrip() throws Exception {
        Instruction.Onbuild copy = (Instruction.Onbuild) one("ONBUILD COPY <<EOF /x\nhi $A\nEOF");
        Instruction.Onbuild run = (Instruction.Onbuild) one("onbuild run --network=none echo \\\n  hi");
        List<Instruction> triggers = DockerfileModel.onbuildTriggers(List.of(copy.expression(), run.expression()));
        assertThat(((Copy) triggers.get(0)).inline()).containsExactly(new InlineSource("EOF", "hi $A\n", true));
        assertThat(((Run) triggers.get(1)).network()).isEqualTo("none");
        assertThat(((Run) triggers.get(1)).command().args()).containsExactly("echo   hi");
        assertThatThrownBy(() -> DockerfileModel.onbuildTriggers(List.of("FROM x")))
                .hasMessage("dockerfile parse error on line 1: FROM isn't allowed as an ONBUILD trigger");
    }

    @Test
    void healthcheck() throws Exception {
        Healthcheck h = (Healthcheck) one("HEALTHCHECK --interval=5s --timeout=1m30s --start-period=100ms --retries=3 CMD curl -f http://x/ || exit 1");
        assertThat(h.test()).containsExactly("CMD-SHELL", "curl -f http://x/ || exit 1");
        assertThat(h.intervalNanos()).isEqualTo(5_000_000_000L);
        assertThat(h.timeoutNanos()).isEqualTo(90_000_000_000L);
        assertThat(h.startPeriodNanos()).isEqualTo(100_000_000L);
        assertThat(h.retries()).isEqualTo(3);
        assertThat(((Healthcheck) one("HEALTHCHECK CMD [\"/bin/check\", \"-q\"]")).test()).containsExactly("CMD", "/bin/check", "-q");
        assertThat(((Healthcheck) one("healthcheck none")).test()).containsExactly("NONE");
        rejects("FROM a\nHEALTHCHECK NONE x", "dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments");
        assertThat(((Healthcheck) one("HEALTHCHECK --interval=5s NONE")).test()).containsExactly("NONE");
        rejects("FROM a\nHEALTHCHECK CONNECT TCP 7000", "dockerfile parse error on line 2: Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)");
        rejects("FROM a\nHEALTHCHECK CMD", "dockerfile parse error on line 2: Missing command after HEALTHCHECK CMD");
        rejects("FROM a\nHEALTHCHECK --interval=1us CMD x", "dockerfile parse error on line 2: Interval \"interval\" cannot be less than 1ms");
        rejects("FROM a\nHEALTHCHECK --interval=5 CMD x", "dockerfile parse error on line 2: time: missing unit in duration \"5\"");
        rejects("FROM a\nHEALTHCHECK --retries=-1 CMD x", "dockerfile parse error on line 2: --retries cannot be negative (-1)");
    }

    @Test
    void others() throws Exception {
        assertThat(((Instruction.Arg) one("ARG a b=c d=")).args()).containsExactly(new ArgDef("a", null), new ArgDef("b", "c"), new ArgDef("d", ""));
        assertThat(((Instruction.Env) one("ENV a b c")).pairs()).containsExactly(new Instruction.KeyValue("a", "b c"));
        assertThat(((Instruction.Onbuild) one("ONBUILD  RUN echo hi")).expression()).isEqualTo("RUN echo hi");
        assertThat(((Instruction.Onbuild) one("ONBUILD COPY <<EOF /x\nhi\nEOF")).expression()).isEqualTo("COPY <<EOF /x\nhi\nEOF");
        assertThat(((Instruction.Shell) one("SHELL [\"bash\", \"-c\"]")).shell()).containsExactly("bash", "-c");
        rejects("FROM a\nSHELL bash -c", "dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form");
        rejects("FROM a\nONBUILD ONBUILD RUN x", "dockerfile parse error on line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        rejects("FROM a\nONBUILD FROM b", "dockerfile parse error on line 2: FROM isn't allowed as an ONBUILD trigger");
        rejects("FROM a\nWORKDIR", "dockerfile parse error on line 2: WORKDIR requires exactly one argument");
        assertThat(((Instruction.Workdir) one("WORKDIR a b")).path()).isEqualTo("a b");
        rejects("FROM a\nUSER", "dockerfile parse error on line 2: USER requires exactly one argument");
        rejects("FROM a\nEXPOSE", "dockerfile parse error on line 2: EXPOSE requires at least one argument");
        rejects("FROM a\nVOLUME [\"\"]", "dockerfile parse error on line 2: VOLUME specified can not be an empty string");
        rejects("FROM a\nLABEL", "dockerfile parse error on line 2: LABEL requires at least one argument");
        rejects("FROM a\nARG =x", "dockerfile parse error on line 2: ARG names can not be blank");
        rejects("FROM a\nENV =x", "dockerfile parse error on line 2: ENV names can not be blank");
        rejects("FROM a\nSHELL", "dockerfile parse error on line 2: SHELL requires at least one argument");
        rejects("FROM a\nSHELL []", "dockerfile parse error on line 2: SHELL requires at least one argument");
        assertThat(((Instruction.Expose) one("EXPOSE 8080 443 80/udp")).ports()).containsExactly("443", "80/udp", "8080");
        assertThat(((Instruction.Volume) one("VOLUME [\" /data \"]")).paths()).containsExactly("/data");
        rejects("FROM a\nRUNN x", "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)");
        rejects("FORM a", "dockerfile parse error on line 1: unknown instruction: FORM (did you mean FROM?)");
        rejects("FROM a\nservices: x", "dockerfile parse error on line 2: unknown instruction: services:");
        rejects("FROM a\nCOPY --chmown=1 a b", "dockerfile parse error on line 2: unknown flag: chmown (did you mean chown?)");
        rejects("FROM a\nCMD --x y", "dockerfile parse error on line 2: unknown flag: x");
    }
}
