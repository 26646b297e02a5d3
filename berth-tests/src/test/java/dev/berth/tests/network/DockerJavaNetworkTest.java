package dev.berth.tests.network;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docker-java (Testcontainers' client) creates networks, attaches containers and reads their ports. */
class DockerJavaNetworkTest {
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
    void networkLifecycleAndPortsThroughDockerJava() {
        String netId = client.createNetworkCmd().withName("dj").withDriver("bridge").withLabels(Map.of("by", "docker-java")).exec().getId();
        String id = null;
        try {
            Network n = client.inspectNetworkCmd().withNetworkId("dj").exec();
            assertThat(n.getId()).isEqualTo(netId);
            assertThat(n.getIpam().getConfig().getFirst().getSubnet()).startsWith(berthd.network().prefix16() + ".");
            assertThat(client.listNetworksCmd().withNameFilter("dj").exec()).extracting(Network::getName).containsExactly("dj");

            ExposedPort http = ExposedPort.tcp(80);
            Ports ports = new Ports();
            ports.bind(http, Ports.Binding.empty());
            id = client.createContainerCmd("busybox").withCmd("sleep", "300").withExposedPorts(http)
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("dj").withPortBindings(ports)).exec().getId();
            client.startContainerCmd(id).exec();
            var inspect = client.inspectContainerCmd(id).exec();
            ContainerNetwork ep = inspect.getNetworkSettings().getNetworks().get("dj");
            assertThat(ep.getIpAddress()).startsWith(berthd.network().prefix16() + ".");
            assertThat(ep.getNetworkID()).isEqualTo(netId);
            Ports.Binding[] b = inspect.getNetworkSettings().getPorts().getBindings().get(http);
            assertThat(b).hasSize(1);
            assertThat(Integer.parseInt(b[0].getHostPortSpec())).isPositive();
            assertThat(client.inspectNetworkCmd().withNetworkId("dj").exec().getContainers()).containsKey(id);

            client.connectToNetworkCmd().withNetworkId("bridge").withContainerId(id).exec();
            assertThat(client.inspectContainerCmd(id).exec().getNetworkSettings().getNetworks()).containsKeys("dj", "bridge");
            client.disconnectFromNetworkCmd().withNetworkId("bridge").withContainerId(id).exec();
            assertThat(client.inspectContainerCmd(id).exec().getNetworkSettings().getNetworks()).containsOnlyKeys("dj");
        } finally {
            if (id != null) {
                client.removeContainerCmd(id).withForce(true).exec();
            }
            client.removeNetworkCmd("dj").exec();
        }
        assertThat(client.listNetworksCmd().exec()).extracting(Network::getName).containsExactlyInAnyOrder("bridge", "host", "none");
    }
}
