package dev.berth.daemon.images;

import dev.berth.oci.ContainerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigChangesTest {
    private static ContainerConfig apply(String... changes) {
        return ConfigChanges.apply(ContainerConfig.EMPTY, List.of(changes));
    }

    @Test
    void cmdAndEntrypointInJsonAndShellForm() {
        assertThat(apply("CMD [\"sh\"]").cmd()).containsExactly("sh");
        assertThat(apply("cmd echo $HOME").cmd()).containsExactly("/bin/sh", "-c", "echo $HOME");
        // Invalid JSON falls back to the shell form, as docker does.
        assertThat(apply("CMD [oops").cmd()).containsExactly("/bin/sh", "-c", "[oops");
        ContainerConfig c = apply("CMD [\"a\"]", "ENTRYPOINT [\"/bin/tini\", \"--\"]");
        assertThat(c.entrypoint()).containsExactly("/bin/tini", "--");
        assertThat(c.cmd()).isNull();
        assertThat(apply("ENTRYPOINT [\"e\"]", "CMD [\"c\"]").cmd()).containsExactly("c");
    }

    @Test
    void envAndLabelForms() {
        ContainerConfig c = apply("ENV A=1 B=\"two words\" C=a\\ b", "ENV A=replaced", "ENV OLD legacy value");
        assertThat(c.env()).containsExactly("A=replaced", "B=two words", "C=a b", "OLD=legacy value");
        assertThat(apply("LABEL a=b \"c d\"='e f'").labels()).isEqualTo(Map.of("a", "b", "c d", "e f"));
        assertThatThrownBy(() -> apply("ENV")).hasMessageContaining("ENV requires at least one argument");
        assertThatThrownBy(() -> apply("ENV A=1 B")).hasMessageContaining("can't find = in \"B\"");
        assertThatThrownBy(() -> apply("LABEL a=\"unterminated")).hasMessageContaining("matching \"");
    }

    @Test
    void exposeVolumeWorkdirUserStopsignal() {
        ContainerConfig c = apply("EXPOSE 80 53/udp 8000-8002", "VOLUME /data /logs", "VOLUME [\"/x\"]",
                "WORKDIR /srv", "WORKDIR app/../web", "USER 1000:1000", "STOPSIGNAL SIGQUIT");
        assertThat(c.exposedPorts()).containsOnlyKeys("80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp");
        assertThat(c.volumes()).containsOnlyKeys("/data", "/logs", "/x");
        assertThat(c.workingDir()).isEqualTo("/srv/web");
        assertThat(c.user()).isEqualTo("1000:1000");
        assertThat(c.stopSignal()).isEqualTo("SIGQUIT");
        assertThatThrownBy(() -> apply("EXPOSE 99999")).hasMessageContaining("invalid containerPort: 99999");
        assertThatThrownBy(() -> apply("EXPOSE 80/xyz")).hasMessageContaining("invalid proto: xyz");
    }

    @Test
    void instructionsImportCannotApplyAreRefused() {
        assertThatThrownBy(() -> apply("RUN echo")).hasMessage("run is not a valid change command");
        assertThatThrownBy(() -> apply("FROM busybox")).hasMessage("from is not a valid change command");
    }

    @Test
    void continuationsAndCommentsInOneChange() {
        ContainerConfig c = apply("# a comment\nENV A=1 \\\n  B=2\nUSER nobody");
        assertThat(c.env()).containsExactly("A=1", "B=2");
        assertThat(c.user()).isEqualTo("nobody");
    }

    @Test
    void variablesAreSubstitutedAsInADockerfile() {
        ContainerConfig c = apply("ENV BASE=/opt/app", "ENV PATH=$BASE/bin:${BASE}/sbin LIT='$BASE' D=${NOPE:-dflt} P=${BASE:+set}",
                "WORKDIR $BASE/work", "LABEL home=\"$BASE\"", "CMD echo $BASE");
        assertThat(c.env()).containsExactly("BASE=/opt/app", "PATH=/opt/app/bin:/opt/app/sbin", "LIT=$BASE", "D=dflt", "P=set");
        assertThat(c.workingDir()).isEqualTo("/opt/app/work");
        assertThat(c.labels()).containsEntry("home", "/opt/app");
        // Shell-form commands are left to the shell.
        assertThat(c.cmd()).containsExactly("/bin/sh", "-c", "echo $BASE");
        assertThat(apply("WORKDIR \"/my dir\"").workingDir()).isEqualTo("/my dir");
    }
}
