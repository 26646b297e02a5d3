package dev.berth.tests.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.tests.BerthdFixture;
import dev.berth.tests.CommandResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Docker's networking model on real namespaces, veths, bridges and iptables, driven by the real
 * docker CLI: the default bridge, user-defined networks with names and isolation, published ports
 * and the network modes.
 */
class NetworkTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void image() {
        berthd.importBusybox("busybox");
    }

    private static String out(String... args) {
        return berthd.dockerOk(args).out();
    }

    private static JsonNode inspect(String container) throws IOException {
        return JSON.readTree(out("inspect", container)).get(0);
    }

    /** Runs (detached, with {@code opts}) a busybox httpd serving {@code text} at /index.html on port 80; returns its ID. */
    private static String httpd(String text, String... opts) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d"));
        args.addAll(List.of(opts));
        args.addAll(List.of("busybox", "sh", "-c", "echo " + text + " > /tmp/index.html; exec httpd -f -p 80 -h /tmp"));
        return out(args.toArray(String[]::new));
    }

    /** GET /index.html from {@code host} inside a container on {@code network}, with busybox nc. */
    private static CommandResult fetchFrom(String network, String host) {
        return berthd.docker("run", "--rm", "--network", network, "busybox", "sh", "-c",
                "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc -w 3 " + host + " 80");
    }

    @Test
    void defaultBridgeGivesAddressRouteAndReachability() throws Exception {
        out("run", "-d", "--name", "b1", "busybox", "sleep", "300");
        try {
            JsonNode ns = inspect("b1").get("NetworkSettings");
            String ip = ns.get("IPAddress").asText();
            String gw = ns.get("Gateway").asText();
            assertThat(ip).startsWith(berthd.network().prefix16() + ".0.");
            assertThat(gw).isEqualTo(berthd.network().prefix16() + ".0.1");
            assertThat(ns.get("IPPrefixLen").asInt()).isEqualTo(24);
            assertThat(ns.get("MacAddress").asText()).startsWith("02:42:");
            JsonNode ep = ns.get("Networks").get("bridge");
            assertThat(ep.get("IPAddress").asText()).isEqualTo(ip);
            assertThat(ep.get("NetworkID").asText()).isEqualTo(out("network", "inspect", "-f", "{{.Id}}", "bridge"));
            assertThat(ep.get("EndpointID").asText()).hasSize(64).isEqualTo(ns.get("EndpointID").asText());
            assertThat(ns.get("SandboxKey").asText()).startsWith(berthd.execRoot().toString());

            // container -> container by address; the default route goes through the bridge
            String ping = out("run", "--rm", "busybox", "sh", "-c", "ip route; ping -c 1 -W 2 " + ip);
            assertThat(ping).contains("default via " + gw).contains("1 packets received");
            // /etc/hosts names the container by its address
            assertThat(out("exec", "b1", "cat", "/etc/hosts")).contains(ip + "\t" + out("inspect", "-f", "{{.Config.Hostname}}", "b1"));
            // the bridge is ours, not docker0
            assertThat(Files.exists(Path.of("/sys/class/net", berthd.network().bridge()))).isTrue();
        } finally {
            berthd.docker("rm", "-f", "b1");
        }
        assertThat(Files.list(berthd.execRoot().resolve("netns")).toList()).isEmpty();
    }

    @Test
    void containerReachesAServerOnTheHost() throws Exception {
        String gw = berthd.network().prefix16() + ".0.1";
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(gw), 0));
            Thread t = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept(); OutputStream o = s.getOutputStream()) {
                    o.write("from-the-host\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the assertion below fails instead
                }
            });
            String got = out("run", "--rm", "busybox", "sh", "-c", "timeout 5 nc " + gw + " " + server.getLocalPort());
            t.join(5000);
            assertThat(got).isEqualTo("from-the-host");
        }
    }

    @Test
    void userNetworkResolvesNamesAliasesAndShortIdsAndIsIsolated() throws Exception {
        out("network", "create", "front");
        out("network", "create", "back");
        try {
            String web = httpd("front-page", "--name", "web", "--network", "front", "--network-alias", "www");
            assertThat(fetchFrom("front", "web").stdout()).contains("front-page");
            assertThat(fetchFrom("front", "www").stdout()).contains("front-page");
            assertThat(fetchFrom("front", web.substring(0, 12)).stdout()).contains("front-page");
            String resolv = out("run", "--rm", "--network", "front", "busybox", "cat", "/etc/resolv.conf");
            assertThat(resolv).contains("nameserver 127.0.0.11").contains("options ndots:0");

            JsonNode ep = inspect("web").get("NetworkSettings").get("Networks").get("front");
            String ip = ep.get("IPAddress").asText();
            assertThat(ep.get("Aliases").toString()).isEqualTo("[\"www\"]");
            assertThat(ep.get("DNSNames").toString()).contains("\"web\"", "\"www\"", "\"" + web.substring(0, 12) + "\"");
            // top-level fields are the default bridge's only
            assertThat(inspect("web").get("NetworkSettings").get("IPAddress").asText()).isEmpty();
            JsonNode net = JSON.readTree(out("network", "inspect", "front")).get(0);
            assertThat(net.get("Containers").get(web).get("IPv4Address").asText()).isEqualTo(ip + "/24");
            assertThat(net.get("Containers").get(web).get("Name").asText()).isEqualTo("web");
            assertThat(out("ps", "--filter", "network=front", "--format", "{{.Names}}")).isEqualTo("web");
            assertThat(out("ps", "--filter", "network=back", "--format", "{{.Names}}")).isEmpty();

            // another network cannot reach it, by name or by address; the default bridge neither
            assertThat(out("run", "--rm", "--network", "back", "busybox", "sh", "-c", "nslookup web 2>&1; true"))
                    .doesNotContain(ip);
            assertThat(berthd.docker("run", "--rm", "--network", "back", "busybox", "ping", "-c", "1", "-W", "1", ip).exitCode()).isNotZero();
            assertThat(berthd.docker("run", "--rm", "busybox", "ping", "-c", "1", "-W", "1", ip).exitCode()).isNotZero();

            // reverse lookups name the container on its network; a renamed container answers to its new name
            assertThat(out("run", "--rm", "--network", "front", "busybox", "nslookup", ip)).contains("web.front");
            out("rename", "web", "web2");
            assertThat(fetchFrom("front", "web2").stdout()).contains("front-page");
            out("rename", "web2", "web");

            // DNS over TCP too (busybox's nslookup speaks UDP only: a query from the container's namespace)
            String key = out("inspect", "-f", "{{.NetworkSettings.SandboxKey}}", "web");
            String tcp = BerthdFixture.run(List.of("nsenter", "--net=" + key, "python3", "-c", """
                    import socket, struct
                    q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + b'\\x03www\\x00' + struct.pack('>HH', 1, 1)
                    s = socket.create_connection(('127.0.0.11', 53), 3)
                    s.sendall(struct.pack('>H', len(q)) + q)
                    n = struct.unpack('>H', s.recv(2))[0]
                    d = b''
                    while len(d) < n:
                        d += s.recv(n - len(d))
                    print('.'.join(str(b) for b in d[-4:]))
                    """), null, Map.of()).out();
            assertThat(tcp).isEqualTo(ip);

            // names the embedded server does not know are asked of the host's resolvers
            CommandResult other = berthd.docker("run", "--rm", "--network", "front", "busybox", "nslookup", "localhost.invalid");
            assertThat(other.stdout() + other.stderr()).contains("127.0.0.11").doesNotContain("timed out");

            // in use: 409; predefined: 403
            CommandResult rm = berthd.docker("network", "rm", "front");
            assertThat(rm.exitCode()).isNotZero();
            assertThat(rm.stderr()).contains("has active endpoints");
            assertThat(berthd.api("DELETE", "/networks/front", null).status()).isEqualTo(409);
            assertThat(berthd.api("DELETE", "/networks/bridge", null).status()).isEqualTo(403);
            assertThat(berthd.api("DELETE", "/networks/nosuchnet", null).status()).isEqualTo(404);
            assertThat(berthd.api("POST", "/networks/create", "{\"Name\":\"front\"}").status()).isEqualTo(409);
        } finally {
            berthd.docker("rm", "-f", "web");
            berthd.docker("network", "rm", "front", "back");
        }
        assertThat(out("network", "ls", "--format", "{{.Name}}").lines().sorted().toList()).containsExactly("bridge", "host", "none");
    }

    @Test
    void connectAndDisconnectARunningContainer() throws Exception {
        out("network", "create", "--subnet", berthd.network().prefix16() + ".77.0/24", "live");
        try {
            httpd("live-page", "--name", "srv");
            String fixed = berthd.network().prefix16() + ".77.50";
            out("network", "connect", "--ip", fixed, "--alias", "api", "live", "srv");
            JsonNode ep = inspect("srv").get("NetworkSettings").get("Networks").get("live");
            assertThat(ep.get("IPAddress").asText()).isEqualTo(fixed);
            assertThat(ep.get("IPAMConfig").get("IPv4Address").asText()).isEqualTo(fixed);
            assertThat(out("exec", "srv", "ip", "-o", "-4", "addr")).contains("eth1").contains(fixed);
            assertThat(fetchFrom("live", "api").stdout()).contains("live-page");
            assertThat(fetchFrom("live", "srv").stdout()).contains("live-page");

            out("network", "disconnect", "live", "srv");
            assertThat(out("exec", "srv", "ip", "-o", "-4", "addr")).doesNotContain(fixed).doesNotContain("eth1");
            assertThat(inspect("srv").get("NetworkSettings").get("Networks").has("live")).isFalse();
            assertThat(fetchFrom("live", "api").stdout()).doesNotContain("live-page");
            // still on the default bridge
            assertThat(inspect("srv").get("NetworkSettings").get("IPAddress").asText()).isNotEmpty();
        } finally {
            berthd.docker("rm", "-f", "srv");
            berthd.docker("network", "rm", "live");
        }
    }

    @Test
    void internalNetworkHasNoWayOut() {
        out("network", "create", "--internal", "sealed");
        try {
            String gw = berthd.network().prefix16() + ".0.1";
            CommandResult r = berthd.docker("run", "--rm", "--network", "sealed", "busybox", "sh", "-c",
                    "ip route; ping -c 1 -W 1 " + gw);
            assertThat(r.stdout()).doesNotContain("default via");
            assertThat(r.exitCode()).isNotZero();
        } finally {
            berthd.docker("network", "rm", "sealed");
        }
    }

    @Test
    void iccOffKeepsContainersOfANetworkApart() throws Exception {
        out("network", "create", "-o", "com.docker.network.bridge.enable_icc=false", "noicc");
        try {
            out("run", "-d", "--name", "lonely", "--network", "noicc", "busybox", "sleep", "300");
            String ip = inspect("lonely").get("NetworkSettings").get("Networks").get("noicc").get("IPAddress").asText();
            assertThat(berthd.docker("run", "--rm", "--network", "noicc", "busybox", "ping", "-c", "1", "-W", "1", ip).exitCode()).isNotZero();
            // the way out still works: the gateway answers
            assertThat(out("run", "--rm", "--network", "noicc", "busybox", "sh", "-c", "ping -c 1 -W 2 $(ip route | awk '/default/ {print $3}')"))
                    .contains("1 packets received");
        } finally {
            berthd.docker("rm", "-f", "lonely");
            berthd.docker("network", "rm", "noicc");
        }
    }

    @Test
    void publishedTcpPortReachableFromLoopbackAndHostAddress() throws Exception {
        httpd("published", "--name", "pub", "-p", "127.0.0.1::80", "-p", "80");
        String pubIp = out("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "pub");
        try {
            String ports = out("port", "pub");
            assertThat(ports).contains("80/tcp -> 127.0.0.1:").contains("80/tcp -> 0.0.0.0:");
            JsonNode bindings = inspect("pub").get("NetworkSettings").get("Ports").get("80/tcp");
            assertThat(bindings.size()).isEqualTo(2);
            int loopbackPort = 0;
            int anyPort = 0;
            for (JsonNode b : bindings) {
                if (b.get("HostIp").asText().equals("127.0.0.1")) {
                    loopbackPort = b.get("HostPort").asInt();
                } else {
                    anyPort = b.get("HostPort").asInt();
                }
            }
            assertThat(get("127.0.0.1", loopbackPort)).contains("published");
            assertThat(get("127.0.0.1", anyPort)).contains("published");
            assertThat(get(hostAddress(), anyPort)).contains("published");
            assertThat(out("ps", "--format", "{{.Ports}}")).contains("->80/tcp");
            assertThat(flowsTo(pubIp)).as("conntrack entries of the connections just made").isNotEmpty();
            // a container reaching the published port through the host (the userland proxy's part)
            String gw = berthd.network().prefix16() + ".0.1";
            assertThat(out("run", "--rm", "busybox", "sh", "-c",
                    "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc -w 3 " + gw + " " + anyPort)).contains("published");

            // a port in use: a clear error, and nothing half made
            CommandResult clash = berthd.docker("run", "-d", "--name", "clash", "-p", "127.0.0.1:" + loopbackPort + ":80", "busybox", "sleep", "30");
            assertThat(clash.exitCode()).isNotZero();
            assertThat(clash.stderr()).contains("127.0.0.1:" + loopbackPort).contains("address already in use");
            assertThat(out("inspect", "-f", "{{.State.Running}}", "clash")).isEqualTo("false");
            assertThat(Files.exists(berthd.execRoot().resolve("netns").resolve(out("inspect", "-f", "{{.Id}}", "clash")))).isFalse();
            berthd.docker("rm", "-f", "clash");
        } finally {
            berthd.docker("rm", "-f", "pub");
        }
        assertThat(iptablesRules()).doesNotContain("--dport");
        // as dockerd: stale entries would remap the next user of the address's clients (see Firewall.forgetFlows)
        assertThat(flowsTo(pubIp)).as("conntrack entries left for the removed container").isEmpty();
    }

    /** The host's connection-tracking entries whose replies come from {@code ip} (DNAT'ed to it). */
    private static List<String> flowsTo(String ip) {
        return BerthdFixture.run(List.of("conntrack", "-L", "-r", ip), null, Map.of()).stdout().lines()
                .filter(l -> l.contains("src=" + ip + " ")).toList();
    }

    @Test
    void publishedPortKeepsTheHostsSourceAddressExceptLoopbacks() throws Exception {
        // a CGI script answers with the peer address httpd saw
        out("run", "-d", "--name", "peer", "-p", "80", "busybox", "sh", "-c",
                "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \"peer=$REMOTE_ADDR\"\\n'"
                        + " > /www/cgi-bin/peer && chmod +x /www/cgi-bin/peer && exec httpd -f -p 80 -h /www");
        try {
            int port = inspect("peer").get("NetworkSettings").get("Ports").get("80/tcp").get(0).get("HostPort").asInt();
            String gw = berthd.network().prefix16() + ".0.1";
            for (int i = 0; i < 50 && !reachable(hostAddress(), port); i++) {
                Thread.sleep(100); // httpd starts after the script is written
            }
            // as in Docker: the host's own address arrives unchanged (and the answer goes back through the gateway)
            assertThat(get(hostAddress(), port, "/cgi-bin/peer")).contains("peer=").contains(hostAddress()).doesNotContain(gw);
            // the container cannot answer 127.0.0.1, so loopback connections come from the bridge's address
            assertThat(get("127.0.0.1", port, "/cgi-bin/peer")).contains("peer=").contains(gw);
        } finally {
            berthd.docker("rm", "-f", "peer");
        }
    }

    @Test
    void publishedUdpPortAndPublishAll() throws Exception {
        // busybox's nc here has no UDP mode: the echo server runs in the container's network namespace
        out("run", "-d", "--name", "udp", "-p", "9999/udp", "--expose", "7000", "-P", "busybox", "sleep", "300");
        Process echo = null;
        try {
            String key = out("inspect", "-f", "{{.NetworkSettings.SandboxKey}}", "udp");
            echo = new ProcessBuilder("nsenter", "--net=" + key, "python3", "-c",
                    "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('0.0.0.0',9999))\n"
                            + "while True:\n d,a=s.recvfrom(2048)\n s.sendto(b'echo:'+d,a)\n").start();
            int port = Integer.parseInt(out("inspect", "-f", "{{(index (index .NetworkSettings.Ports \"9999/udp\") 0).HostPort}}", "udp"));
            assertThat(udp(hostAddress(), port, "over-dnat")).isEqualTo("echo:over-dnat");
            assertThat(udp("127.0.0.1", port, "over-loopback")).isEqualTo("echo:over-loopback");
            // -P publishes what the container exposes
            assertThat(out("port", "udp", "7000/tcp")).startsWith("0.0.0.0:");
        } finally {
            if (echo != null) {
                echo.destroyForcibly();
            }
            berthd.docker("rm", "-f", "udp");
        }
    }

    @Test
    void hostNoneAndContainerModes() throws Exception {
        assertThat(out("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")).contains("lo").doesNotContain("eth0");
        String hostLinks = out("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link");
        assertThat(hostLinks).contains(berthd.network().bridge());
        // as dockerd: a user other than root may listen on port 80 in a network namespace of its own
        assertThat(out("run", "--rm", "--user", "1000", "busybox", "sh", "-c",
                "nc -l -p 80 & for i in $(seq 50); do netstat -ltn | grep -q ':80 ' && { echo bound; kill $!; exit; }; sleep 0.1; done"))
                .isEqualTo("bound"); // only a listening socket counts: a refused bind cannot pass for a slow start
        assertThat(out("run", "--rm", "--network", "none", "busybox", "cat", "/proc/sys/net/ipv4/ping_group_range"))
                .isEqualTo("0\t2147483647");
        assertThat(out("run", "--rm", "--network", "host", "busybox", "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"))
                .isEqualTo(BerthdFixture.run(List.of("cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"), null, Map.of()).stdout().trim());
        out("run", "-d", "--name", "owner", "busybox", "sleep", "300");
        try {
            String ip = out("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "owner");
            assertThat(out("run", "--rm", "--network", "container:owner", "busybox", "ip", "-o", "-4", "addr")).contains(ip);
            JsonNode none = inspect("owner");
            assertThat(none.get("HostConfig").get("NetworkMode").asText()).isEqualTo("bridge");
            CommandResult bad = berthd.docker("run", "--rm", "--network", "container:owner", "-p", "80", "busybox", "true");
            assertThat(bad.exitCode()).isNotZero();
        } finally {
            berthd.docker("rm", "-f", "owner");
        }
        var missing = berthd.api("POST", "/containers/create", "{\"Image\":\"busybox\",\"HostConfig\":{\"NetworkMode\":\"nosuchnet\"}}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).contains("network nosuchnet not found");
    }

    @Test
    void dnsOptionsAndExtraHostsShapeTheFiles() throws Exception {
        String gw = berthd.network().prefix16() + ".0.1";
        assertThat(out("run", "--rm", "--mac-address", "02:42:de:ad:be:ef", "busybox", "cat", "/sys/class/net/eth0/address"))
                .isEqualTo("02:42:de:ad:be:ef");
        String files = out("run", "--rm", "--dns", "192.0.2.53", "--dns-search", "example.test", "--dns-option", "ndots:3",
                "--add-host", "db:192.0.2.7", "--add-host", "hostbox:host-gateway", "--hostname", "box", "--domainname", "lan",
                "busybox", "sh", "-c", "cat /etc/resolv.conf /etc/hosts; hostname");
        assertThat(files).contains("nameserver 192.0.2.53", "search example.test", "options ndots:3",
                "192.0.2.7\tdb", gw + "\thostbox", "\tbox.lan box");
        assertThat(files.lines().toList().getLast()).isEqualTo("box");
        out("network", "create", "dnsnet");
        try {
            String user = out("run", "--rm", "--network", "dnsnet", "--dns", "192.0.2.53", "--dns-option", "timeout:2",
                    "busybox", "cat", "/etc/resolv.conf");
            // on user networks the embedded server stays in front; --dns becomes its upstream
            assertThat(user).contains("nameserver 127.0.0.11").contains("ndots:0").contains("timeout:2").doesNotContain("192.0.2.53");
        } finally {
            berthd.docker("network", "rm", "dnsnet");
        }
    }

    @Test
    void networkApiShapesAndPrune() throws Exception {
        out("network", "create", "--subnet", berthd.network().prefix16() + ".90.0/24", "--gateway",
                berthd.network().prefix16() + ".90.254", "--ip-range", berthd.network().prefix16() + ".90.128/25",
                "--label", "team=a", "-o", "com.docker.network.driver.mtu=1400", "shaped");
        try {
            JsonNode n = JSON.readTree(out("network", "inspect", "shaped")).get(0);
            assertThat(n.get("IPAM").get("Config").get(0).get("Subnet").asText()).isEqualTo(berthd.network().prefix16() + ".90.0/24");
            assertThat(n.get("IPAM").get("Config").get(0).get("Gateway").asText()).isEqualTo(berthd.network().prefix16() + ".90.254");
            assertThat(n.get("Labels").get("team").asText()).isEqualTo("a");
            assertThat(n.get("Driver").asText()).isEqualTo("bridge");
            String ip = out("run", "--rm", "--network", "shaped", "busybox", "sh", "-c", "ip -o -4 addr show eth0; cat /sys/class/net/eth0/mtu");
            assertThat(ip).contains(berthd.network().prefix16() + ".90.128/24").contains("1400");
            assertThat(out("network", "ls", "--filter", "label=team=a", "--format", "{{.Name}}")).isEqualTo("shaped");
            assertThat(berthd.api("POST", "/networks/create", "{\"Name\":\"bad\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.1.2.3/33\"}]}}").status())
                    .isEqualTo(400);
            assertThat(berthd.api("POST", "/networks/create", "{\"Name\":\"bad net\"}").status()).isEqualTo(400);
        } finally {
            out("network", "prune", "-f");
        }
        assertThat(out("network", "ls", "--format", "{{.Name}}")).doesNotContain("shaped");
    }

    private static String get(String host, int port) throws IOException {
        return get(host, port, "/index.html");
    }

    private static boolean reachable(String host, int port) {
        try {
            return !get(host, port).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static String get(String host, int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 3000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            try (InputStream in = s.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    private static String udp(String host, int port, String text) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(1000);
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            for (int attempt = 0; attempt < 10; attempt++) {
                s.send(new DatagramPacket(b, b.length, InetAddress.getByName(host), port));
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                try {
                    s.receive(p);
                    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                } catch (SocketTimeoutException e) {
                    // the echo server may still be starting
                }
            }
            return "";
        }
    }

    /** The host's address on its default route's interface. */
    static String hostAddress() {
        String route = BerthdFixture.run(List.of("ip", "-4", "-o", "route", "get", "1.1.1.1"), null, Map.of()).stdout();
        String[] f = route.trim().split("\\s+");
        for (int i = 0; i < f.length - 1; i++) {
            if (f[i].equals("src")) {
                return f[i + 1];
            }
        }
        throw new IllegalStateException("no host address in " + route);
    }

    private static String iptablesRules() {
        String prefix = berthd.network().chainPrefix();
        StringBuilder sb = new StringBuilder();
        for (String table : List.of("filter", "nat")) {
            for (String line : BerthdFixture.run(List.of("iptables", "-w", "-t", table, "-S"), null, Map.of()).stdout().lines().toList()) {
                if (line.contains(prefix)) {
                    sb.append(line).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
