package dev.berth.tests.network;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** berth's network commands and run flags print what the docker CLI prints and do what it does. */
class BerthNetworkCliTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @Test
    void networkCommandsAndRunFlags() {
        berthd.importBusybox("busybox");
        String p = berthd.network().prefix16();
        String id = berthd.berthOk("network", "create", "--subnet", p + ".40.0/24", "--label", "k=v", "clinet").out();
        assertThat(id).hasSize(64);
        try {
            assertThat(berthd.berthOk("network", "ls").out()).isEqualTo(berthd.dockerOk("network", "ls").out());
            assertThat(berthd.berthOk("network", "ls", "-q", "--filter", "label=k=v").out()).isEqualTo(id.substring(0, 12));
            assertThat(berthd.berthOk("network", "inspect", "-f", "{{.Name}} {{(index .IPAM.Config 0).Subnet}}", "clinet").out())
                    .isEqualTo("clinet " + p + ".40.0/24");
            assertThat(berthd.berthOk("network", "inspect", "clinet").out()).isEqualTo(berthd.dockerOk("network", "inspect", "clinet").out());

            berthd.berthOk("run", "-d", "--name", "c1", "--network", "clinet", "--ip", p + ".40.9", "--network-alias", "one",
                    "-p", "127.0.0.1::80", "busybox", "sleep", "300");
            assertThat(berthd.berthOk("inspect", "-f", "{{.NetworkSettings.Networks.clinet.IPAddress}} {{.NetworkSettings.Networks.clinet.Aliases}}", "c1").out())
                    .isEqualTo(p + ".40.9 [one]");
            assertThat(berthd.berthOk("port", "c1").out()).isEqualTo(berthd.dockerOk("port", "c1").out()).startsWith("80/tcp -> 127.0.0.1:");
            assertThat(berthd.berthOk("port", "c1", "80").out()).isEqualTo(berthd.dockerOk("port", "c1", "80").out());
            assertThat(berthd.berthOk("run", "--rm", "--network", "clinet", "busybox", "ping", "-c", "1", "-W", "2", "one").out())
                    .contains("1 packets received");

            berthd.berthOk("network", "connect", "bridge", "c1");
            assertThat(berthd.berthOk("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "c1").out()).startsWith(p + ".0.");
            assertThat(berthd.berth("network", "connect", "bridge", "c1").exitCode()).isNotZero();
            berthd.berthOk("network", "disconnect", "bridge", "c1");
            assertThat(berthd.berth("network", "rm", "clinet").exitCode()).isNotZero();
        } finally {
            berthd.berth("rm", "-f", "c1");
        }
        assertThat(berthd.berthOk("network", "rm", "clinet").out()).isEqualTo("clinet");
        berthd.berthOk("network", "create", "spare");
        assertThat(berthd.berthOk("network", "prune", "-f").out()).isEqualTo("Deleted Networks:\nspare");
    }
}
