package dev.berth.tests.network;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * berthd killed with SIGKILL while containers use its networks: after the restart the running
 * ones keep their addresses, names and published ports, and nothing is left of those that exited
 * meanwhile or are removed afterwards: no namespace, veth, address or rule.
 */
class NetworkCrashTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static String out(String... args) {
        return berthd.dockerOk(args).out();
    }

    @Test
    void runningContainersKeepTheirNetworkAndStoppedOnesLeaveNothing() throws Exception {
        berthd.importBusybox("busybox");
        String netId = out("network", "create", "crashnet");
        String device = "br-" + netId.substring(0, 12);
        assertThat(Files.exists(java.nio.file.Path.of("/sys/class/net", device))).isTrue();
        out("run", "-d", "--name", "keep", "--network", "crashnet", "-p", "80", "busybox", "sh", "-c",
                "echo kept > /tmp/index.html; exec httpd -f -p 80 -h /tmp");
        String quitter = out("run", "-d", "--name", "quitter", "-p", "80", "busybox", "sh", "-c", "sleep 3; exit 3");
        String keepIp = out("inspect", "-f", "{{.NetworkSettings.Networks.crashnet.IPAddress}}", "keep");
        int keepPort = Integer.parseInt(out("inspect", "-f", "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}", "keep"));
        int quitterPort = Integer.parseInt(out("inspect", "-f", "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}", "quitter"));

        berthd.kill9();
        Thread.sleep(4000); // quitter exits while no daemon is watching
        assertThat(get(NetworkTest.hostAddress(), keepPort)).contains("kept"); // the kernel's rules carry on alone
        berthd.restart();

        assertThat(out("inspect", "-f", "{{.State.Status}}", "quitter")).isEqualTo("exited");
        assertThat(Files.exists(berthd.execRoot().resolve("netns").resolve(quitter))).isFalse();
        assertThat(natRules()).doesNotContain("--dport " + quitterPort + " ");
        assertThat(out("inspect", "-f", "{{.NetworkSettings.Networks.crashnet.IPAddress}}", "keep")).isEqualTo(keepIp);
        assertThat(get("127.0.0.1", keepPort)).contains("kept"); // the userland proxy is back
        assertThat(get(NetworkTest.hostAddress(), keepPort)).contains("kept");
        String byName = out("run", "--rm", "--network", "crashnet", "busybox", "sh", "-c",
                "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc -w 3 keep 80");
        assertThat(byName).contains("kept");
        // quitter's old address is free again and goes to the next container
        String next = out("run", "--rm", "busybox", "sh", "-c", "ip -o -4 addr show eth0");
        assertThat(next).contains(berthd.network().prefix16() + ".0.");

        out("rm", "-f", "keep", "quitter");
        out("network", "rm", "crashnet");
        assertThat(Files.list(berthd.execRoot().resolve("netns")).toList()).isEmpty();
        assertThat(BerthdFixture.run(List.of("ip", "-o", "link", "show", "master", berthd.network().bridge()), null, Map.of()).stdout()).isEmpty();
        assertThat(natRules()).doesNotContain("DNAT --to-destination").contains("MASQUERADE");
        assertThat(natRules()).doesNotContain(device);
        assertThat(Files.exists(java.nio.file.Path.of("/sys/class/net", device))).isFalse();
    }

    private String natRules() {
        StringBuilder sb = new StringBuilder();
        for (String line : BerthdFixture.run(List.of("iptables", "-w", "-t", "nat", "-S"), null, Map.of()).stdout().lines().toList()) {
            if (line.contains(berthd.network().chainPrefix())) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    private static String get(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 3000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            try (InputStream in = s.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
