package dev.berth.daemon.network;

import dev.berth.sys.Netns;
import dev.berth.sys.Rtnetlink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Linux bridges (made with iproute2, rarely) and veth pairs (over route netlink, at every start). Each bridge carries an alias naming the
 * berthd that made it ({@code berth:<exec root>}), so leftovers of a crashed engine can be found
 * and removed without touching anyone else's devices.
 */
final class BridgeDriver {
    private final String marker;

    BridgeDriver(Path execRoot) {
        this.marker = "berth:" + execRoot;
    }

    static boolean deviceExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    /** Creates the bridge if missing and gives it its gateway address; up. */
    void ensureBridge(NetworkRecord n) throws IOException {
        Ipv4Net subnet = n.subnetNet();
        StringBuilder b = new StringBuilder();
        if (!deviceExists(n.device())) {
            b.append("link add name ").append(n.device()).append(" mtu ").append(n.mtu()).append(" type bridge\n");
        }
        b.append("link set ").append(n.device()).append(" alias ").append(marker).append('\n');
        b.append("addr replace ").append(n.gateway()).append('/').append(subnet.prefix()).append(" dev ").append(n.device()).append('\n');
        b.append("link set ").append(n.device()).append(" up\n");
        HostCommand.ipBatch(b.toString(), false);
        // lets connections to 127.0.0.1 be DNAT'ed to containers behind this bridge
        Files.writeString(Path.of("/proc/sys/net/ipv4/conf", n.device(), "route_localnet"), "1");
    }

    void deleteBridge(String device) throws IOException {
        if (deviceExists(device)) {
            HostCommand.ipBatch("link del " + device + "\n", true);
        }
    }

    /** Bridges this berthd made (by alias) that are not in {@code keep}. */
    List<String> ownBridgesExcept(List<String> keep) {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            for (Path d : s.toList()) {
                String alias;
                try {
                    alias = Files.readString(d.resolve("ifalias")).trim();
                } catch (IOException e) {
                    continue;
                }
                String name = d.getFileName().toString();
                if (alias.equals(marker) && Files.isDirectory(d.resolve("bridge")) && !keep.contains(name)) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            // no sysfs: nothing found
        }
        return out;
    }

    /** One interface to make in a sandbox. */
    record Link(String ifname, String veth, NetworkRecord network, String ip, String mac, boolean defaultRoute) {}

    /**
     * Creates the veth pairs (host end on the bridge, container end moved into the namespace),
     * then addresses, routes and loopback inside, over route netlink (no {@code ip} process).
     */
    void plug(Path netns, List<Link> links, boolean loopback) throws IOException {
        try (Rtnetlink nl = new Rtnetlink()) {
            for (Link l : links) {
                nl.addVethToBridge(l.veth(), l.network().mtu(), l.network().device(), l.ifname(), macBytes(l.mac()), netns);
            }
        }
        Netns.inside(netns, () -> {
            try (Rtnetlink nl = new Rtnetlink()) {
                if (loopback) {
                    nl.linkUp("lo");
                }
                for (Link l : links) {
                    nl.addAddress(l.ifname(), addressBytes(l.ip()), l.network().subnetNet().prefix());
                    nl.linkUp(l.ifname());
                    if (l.defaultRoute()) {
                        nl.addDefaultRoute(l.ifname(), addressBytes(l.network().gateway()));
                    }
                }
            }
            return null;
        });
    }

    /** Removes one container-side interface (disconnect): its host end goes with it. */
    void unplug(Path netns, String ifname) throws IOException {
        Netns.inside(netns, () -> {
            try (Rtnetlink nl = new Rtnetlink()) {
                nl.linkDelete(ifname);
            }
            return null;
        });
    }

    static byte[] addressBytes(String ip) {
        int a = Ipv4Net.parseAddress(ip);
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    static byte[] macBytes(String mac) {
        String[] p = mac.split(":");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return b;
    }

    /** Docker's MAC for an address: 02:42 then the four address bytes. */
    static String macFor(String ip) {
        int a = Ipv4Net.parseAddress(ip);
        return String.format(Locale.ROOT, "02:42:%02x:%02x:%02x:%02x", a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
    }
}
