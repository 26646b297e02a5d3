package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.api.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Address arithmetic, request parsing and the files a container gets, without a daemon. */
class NetworkLogicTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void prefixes() {
        Ipv4Net n = Ipv4Net.parse("10.210.3.7/24");
        assertThat(n.network().toString()).isEqualTo("10.210.3.0/24");
        assertThat(Ipv4Net.format(n.last())).isEqualTo("10.210.3.255");
        assertThat(n.contains(Ipv4Net.parseAddress("10.210.3.200"))).isTrue();
        assertThat(n.contains(Ipv4Net.parseAddress("10.210.4.1"))).isFalse();
        assertThat(Ipv4Net.parse("172.16.0.0/12").overlaps(Ipv4Net.parse("172.17.0.0/16"))).isTrue();
        assertThat(Ipv4Net.parse("172.18.0.0/16").overlaps(Ipv4Net.parse("172.17.0.0/16"))).isFalse();
        assertThat(Ipv4Net.parse("0.0.0.0/0").contains(Ipv4Net.parseAddress("255.255.255.255"))).isTrue();
        for (String bad : List.of("10.0.0.256", "10.0.0", "10.0.0.1/33", "::1", "a.b.c.d", "10.0.0.1/x", "")) {
            assertThatThrownBy(() -> Ipv4Net.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(BridgeDriver.macFor("172.17.0.2")).isEqualTo("02:42:ac:11:00:02");
    }

    @Test
    void poolsAndChainNames() {
        NetworkConfig.Pool p = NetworkConfig.Pool.parse("base=10.10.0.0/16,size=24");
        assertThat(p.base().toString()).isEqualTo("10.10.0.0/16");
        assertThat(p.size()).isEqualTo(24);
        assertThatThrownBy(() -> NetworkConfig.Pool.parse("base=10.10.0.0/16,size=8")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NetworkConfig.Pool.parse("size=24")).isInstanceOf(IllegalArgumentException.class);
        assertThat(NetworkConfig.defaults().chainPrefix()).isEqualTo("BERTH");
        assertThat(new NetworkConfig("bt-1a2b.c", null, null, true, true).chainPrefix()).isEqualTo("BERTH-BT1A2BC");
        assertThatThrownBy(() -> new NetworkConfig("a-name-longer-than-15", null, null, true, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void flagsAndConfigFile() throws Exception {
        NetworkConfig c = NetworkFlags.resolve(JSON.createObjectNode(), "bt0", "10.5.0.1/24", List.of("base=10.5.0.0/16,size=24"), false, null);
        assertThat(c.bridge()).isEqualTo("bt0");
        assertThat(c.bip()).isEqualTo("10.5.0.1/24");
        assertThat(c.pools()).containsExactly(new NetworkConfig.Pool(Ipv4Net.parse("10.5.0.0/16"), 24));
        assertThat(c.iptables()).isFalse();
        assertThat(c.ipForward()).isTrue();
        NetworkConfig f = NetworkFlags.resolve(JSON.readTree("""
                {"bridge":"none","default-address-pools":[{"base":"10.9.0.0/16","size":26}],"ip-forward":false}"""),
                null, null, null, null, null);
        assertThat(f.defaultBridge()).isFalse();
        assertThat(f.pools().getFirst().size()).isEqualTo(26);
        assertThat(f.ipForward()).isFalse();
        assertThatThrownBy(() -> NetworkFlags.resolve(JSON.readTree("{\"bip\":\"10.1.0.1/24\"}"), null, "10.2.0.1/24", null, null, null))
                .hasMessageContaining("bip");
        assertThatThrownBy(() -> NetworkFlags.resolve(JSON.createObjectNode(), null, "10.2.0.300/24", null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createRequestsAreParsedAndCheckedAsDockerDoes() throws Exception {
        NetRequest r = NetRequest.parse(JSON.readTree("""
                {"NetworkMode":"default","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":""},{"HostIp":"127.0.0.1","HostPort":"8000-8010"}],
                 "53/udp":[{"HostIp":"::","HostPort":"53"},{"HostIp":"","HostPort":"5353"}]},
                 "Dns":["192.0.2.53"],"ExtraHosts":["db:10.0.0.5","gw=host-gateway"]}"""),
                JSON.readTree("{\"EndpointsConfig\":{\"default\":{\"Aliases\":[\"a\"],\"IPAMConfig\":{\"IPv4Address\":\"10.1.0.9\"}}}}"), null);
        assertThat(r.mode()).isEqualTo("bridge");
        assertThat(r.endpoints()).containsOnlyKeys("bridge");
        assertThat(r.endpoints().get("bridge").aliases()).containsExactly("a");
        assertThat(r.endpoints().get("bridge").ipv4()).isEqualTo("10.1.0.9");
        assertThat(r.ports()).containsExactlyInAnyOrder(
                new NetRequest.Requested("tcp", 80, "0.0.0.0", 0, 0),
                new NetRequest.Requested("tcp", 80, "127.0.0.1", 8000, 8010),
                new NetRequest.Requested("udp", 53, "0.0.0.0", 5353, 5353));
        for (String bad : List.of("{\"PortBindings\":{\"99999/tcp\":[]}}", "{\"PortBindings\":{\"80/xyz\":[]}}",
                "{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"9-1\"}]}}", "{\"ExtraHosts\":[\"nohost\"]}", "{\"Dns\":[\"resolver\"]}",
                "{\"NetworkMode\":\"container:\"}", "{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"nowhere\"}]}}")) {
            assertThatThrownBy(() -> NetRequest.parse(JSON.readTree(bad), null, null)).as(bad).isInstanceOf(ApiException.class)
                    .extracting(e -> ((ApiException) e).status()).isEqualTo(400);
        }
    }

    @Test
    void containerFiles() throws Exception {
        NetRequest req = NetRequest.parse(JSON.readTree("""
                {"Dns":["192.0.2.53"],"DnsSearch":["example.test"],"DnsOptions":["ndots:2","rotate"],
                 "ExtraHosts":["db:10.0.0.5","gw:host-gateway"]}"""), null, null);
        ContainerFiles.Spec s = new ContainerFiles.Spec("box", "lan", false, false, "10.1.0.2", req, "10.1.0.1");
        assertThat(ContainerFiles.hosts(s)).startsWith("127.0.0.1\tlocalhost\n")
                .endsWith("10.0.0.5\tdb\n10.1.0.1\tgw\n10.1.0.2\tbox.lan box\n");
        assertThat(ContainerFiles.resolvConf(s)).contains("search example.test\n", "nameserver 192.0.2.53\n", "options ndots:2 rotate\n")
                .doesNotContain("127.0.0.11");
        ContainerFiles.Spec embedded = new ContainerFiles.Spec("box", "", false, true, "10.1.0.2", req, "10.1.0.1");
        assertThat(ContainerFiles.resolvConf(embedded)).contains("nameserver 127.0.0.11\n", "options ndots:2 rotate\n")
                .doesNotContain("192.0.2.53");
        ContainerFiles.Spec noGateway = new ContainerFiles.Spec("box", "", false, false, null, req, null);
        assertThatThrownBy(() -> ContainerFiles.hosts(noGateway)).isInstanceOf(ApiException.class);
        HostResolvConf h = HostResolvConf.parse("# comment\nnameserver 127.0.0.53\nsearch a.test b.test\noptions edns0 trust-ad\n");
        assertThat(h.nameservers()).containsExactly("127.0.0.53");
        assertThat(h.search()).containsExactly("a.test", "b.test");
        assertThat(h.options()).containsExactly("edns0", "trust-ad");
    }
}
