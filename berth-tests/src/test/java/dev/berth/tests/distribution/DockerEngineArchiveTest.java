package dev.berth.tests.distribution;

import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import dev.berth.tests.PrivateDockerd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Archives cross between engines with the same image IDs: berthd's save loads into a Docker engine
 * and the engine's save loads into berthd. The engine is $BERTH_TEST_DOCKER_HOST when set, else a private
 * dockerd of Debian's docker.io (which scripts/install-deps.sh installs) started for this class.
 */
class DockerEngineArchiveTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static PrivateDockerd privateEngine;

    private static String engineHost() throws Exception {
        String env = System.getenv("BERTH_TEST_DOCKER_HOST");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        if (privateEngine == null && PrivateDockerd.available()) {
            privateEngine = PrivateDockerd.start();
        }
        return privateEngine == null ? null : privateEngine.host();
    }

    @AfterAll
    static void stopEngine() throws Exception {
        if (privateEngine != null) {
            privateEngine.close();
        }
    }

    private static CommandResult engine(String host, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(BerthdFixture.DOCKER));
        cmd.addAll(List.of(args));
        return BerthdFixture.run(cmd, null, Map.of("DOCKER_HOST", host));
    }

    @Test
    void savedArchivesLoadIntoTheOtherEngineWithTheSameIds() throws Exception {
        String host = engineHost();
        Assumptions.assumeTrue(host != null && engine(host, "version").exitCode() == 0, "no Docker engine to compare with");
        String unique = "berth-interop-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            // berthd -> Docker
            berthd.importBusybox(unique + ":from-berth");
            String id = berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", unique + ":from-berth").stdout().trim();
            Path fromBerth = berthd.dir().resolve("from-berth.tar");
            berthd.dockerOk("save", "-o", fromBerth.toString(), unique + ":from-berth");
            CommandResult load = engine(host, "load", "-i", fromBerth.toString());
            assertThat(load.exitCode()).as(load.toString()).isZero();
            assertThat(load.stdout()).contains("Loaded image: " + unique + ":from-berth");
            assertThat(engine(host, "image", "inspect", "-f", "{{.Id}}", unique + ":from-berth").stdout().trim()).isEqualTo(id);

            // Docker -> berthd (an image with two layers, made by the engine)
            CommandResult built = BerthdFixture.run(List.of(BerthdFixture.DOCKER, "build", "-q", "-t", unique + ":from-docker", "-"),
                    ("FROM " + unique + ":from-berth\nRUN echo made by docker > /made.txt\n").getBytes(),
                    Map.of("DOCKER_HOST", host, "DOCKER_BUILDKIT", "0"));
            Assumptions.assumeTrue(built.exitCode() == 0, "the engine cannot build here: " + built.stderr());
            String dockerId = engine(host, "image", "inspect", "-f", "{{.Id}}", unique + ":from-docker").stdout().trim();
            Path fromDocker = berthd.dir().resolve("from-docker.tar");
            assertThat(engine(host, "save", "-o", fromDocker.toString(), unique + ":from-docker").exitCode()).isZero();
            assertThat(berthd.dockerOk("load", "-i", fromDocker.toString()).stdout()).contains("Loaded image: " + unique + ":from-docker");
            assertThat(berthd.dockerOk("image", "inspect", "-f", "{{.Id}}", unique + ":from-docker").stdout().trim()).isEqualTo(dockerId);
            assertThat(berthd.dockerOk("run", "--rm", unique + ":from-docker", "cat", "/made.txt").stdout()).isEqualTo("made by docker\n");
            berthd.dockerOk("rmi", unique + ":from-berth", unique + ":from-docker");
        } finally {
            engine(host, "rmi", "-f", unique + ":from-docker", unique + ":from-berth");
        }
    }
}
