package dev.berth.tests.volumes;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker-java (Testcontainers' client) creates, mounts, inspects and removes volumes. */
class VolumesDockerJavaTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static DockerClient client;

    @BeforeAll
    static void connect() {
        client = berthd.dockerJava();
        berthd.importBusybox("busybox");
    }

    @AfterAll
    static void disconnect() throws IOException {
        client.close();
    }

    @Test
    void volumeLifecycleAndMountThroughDockerJava() {
        client.createVolumeCmd().withName("dj1").withLabels(Map.of("owner", "dj")).exec();
        InspectVolumeResponse v = client.inspectVolumeCmd("dj1").exec();
        assertThat(v.getDriver()).isEqualTo("local");
        assertThat(v.getLabels()).containsEntry("owner", "dj");
        assertThat(v.getMountpoint()).isEqualTo(berthd.dataRoot().resolve("volumes/dj1/_data").toString());
        assertThat(client.listVolumesCmd().withFilter("label", java.util.List.of("owner=dj")).exec().getVolumes())
                .extracting(InspectVolumeResponse::getName).containsExactly("dj1");

        String id = client.createContainerCmd("busybox").withCmd("sh", "-c", "echo dj > /data/f")
                .withHostConfig(HostConfig.newHostConfig().withBinds(new Bind("dj1", new Volume("/data")))).exec().getId();
        client.startContainerCmd(id).exec();
        assertThat(client.waitContainerCmd(id).start().awaitStatusCode()).isZero();
        InspectContainerResponse.Mount m = client.inspectContainerCmd(id).exec().getMounts().getFirst();
        assertThat(m.getName()).isEqualTo("dj1");
        assertThat(m.getDestination().getPath()).isEqualTo("/data");
        assertThat(m.getDriver()).isEqualTo("local");
        assertThat(m.getRW()).isTrue();

        assertThatThrownBy(() -> client.removeVolumeCmd("dj1").exec()).isInstanceOf(ConflictException.class);
        client.removeContainerCmd(id).withRemoveVolumes(true).exec();
        assertThat(berthd.dockerOk("run", "--rm", "-v", "dj1:/data", "busybox", "cat", "/data/f").out()).isEqualTo("dj");
        client.removeVolumeCmd("dj1").exec();
        assertThatThrownBy(() -> client.inspectVolumeCmd("dj1").exec()).isInstanceOf(NotFoundException.class);
    }
}
