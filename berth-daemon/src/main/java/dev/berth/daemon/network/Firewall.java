package dev.berth.daemon.network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * berthd's iptables rules, all in chains of its own (named from {@link NetworkConfig#chainPrefix}),
 * entered by one jump from each built-in chain. The chains' contents are always rewritten whole
 * from the current networks and ports in one {@code iptables-restore} run per change, so a restart
 * adopts the rules by writing them again and nothing stale survives.
 *
 * <p>Published ports are DNAT'ed for connections from other hosts and from the host itself, its
 * loopback included ({@code route_localnet} on the bridge, loopback sources masqueraded), so the kernel
 * carries all of them; the userland proxy only holds the port and serves containers that reach a
 * published port through the host.
 *
 * <p>Forwarding is accepted explicitly for berthd's bridges: a Docker engine beside us sets the
 * {@code FORWARD} policy to {@code DROP}.
 */
final class Firewall {
    private static final Logger LOG = Logger.getLogger(Firewall.class.getName());

    /** One published port: DNAT from the host to a container. */
    record PortRule(String proto, String hostIp, int hostPort, String containerIp, int containerPort, String device) {}

    private final String p;
    private final boolean enabled;

    Firewall(String prefix, boolean enabled) {
        this.p = prefix;
        this.enabled = enabled;
    }

    private List<String[]> jumps() {
        return List.of(
                new String[] {"filter", "FORWARD", "-j", p + "-FWD"},
                new String[] {"nat", "POSTROUTING", "-j", p + "-POST"},
                new String[] {"nat", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", p + "-DNAT"},
                new String[] {"nat", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", p + "-DNAT"});
    }

    /**
     * Deletes the connection-tracking entries of flows DNAT'ed to these (released) container
     * addresses, as dockerd does when an endpoint goes. Left behind, their reply tuples still claim
     * {@code container:port <- client:port} for two minutes: the next container given the address
     * and another host port then has its clients' source ports remapped at random, and those collide
     * with its own TIME_WAIT sockets (SYNs dropped as PAWS-old, a second each). Best effort: without
     * the {@code conntrack} tool only that risk remains.
     */
    void forgetFlows(List<String> containerIps) {
        if (!enabled) {
            return;
        }
        for (String ip : containerIps) {
            try {
                HostCommand.run(List.of("conntrack", "-D", "-r", ip), null);
            } catch (IOException e) {
                // exit status 1 with "0 flow entries have been deleted" is the usual case
                if (!e.getMessage().contains("0 flow entries")) {
                    LOG.log(Level.FINE, "deleting conntrack entries of " + ip, e);
                }
            }
        }
    }

    /** Creates the chains (empty) and the jumps into them, once each. */
    void install() throws IOException {
        if (!enabled) {
            return;
        }
        apply(List.of(), List.of());
        for (String[] j : jumps()) {
            List<String> rule = List.of(j).subList(2, j.length);
            List<String> check = new ArrayList<>(List.of("iptables", "-w", "-t", j[0], "-C", j[1]));
            check.addAll(rule);
            if (!HostCommand.succeeds(check)) {
                List<String> insert = new ArrayList<>(List.of("iptables", "-w", "-t", j[0], "-I", j[1], "1"));
                insert.addAll(rule);
                HostCommand.run(insert, null);
            }
        }
    }

    /** Rewrites every rule of berthd's chains for these bridge networks and published ports. */
    void apply(List<NetworkRecord> bridges, List<PortRule> ports) throws IOException {
        if (!enabled) {
            return;
        }
        StringBuilder f = new StringBuilder("*filter\n");
        for (String c : List.of("-FWD", "-ISO1", "-ISO2", "-PORTS")) {
            f.append(':').append(p).append(c).append(" - [0:0]\n");
        }
        f.append("-A ").append(p).append("-FWD -j ").append(p).append("-ISO1\n");
        for (NetworkRecord n : bridges) {
            String br = n.device();
            f.append("-A ").append(p).append("-FWD -o ").append(br).append(" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
            f.append("-A ").append(p).append("-FWD -o ").append(br).append(" -j ").append(p).append("-PORTS\n");
            f.append("-A ").append(p).append("-FWD -i ").append(br).append(" -o ").append(br)
                    .append(n.option(NetworkRecord.OPT_ICC, true) ? " -j ACCEPT\n" : " -j DROP\n");
            if (n.internal()) {
                f.append("-A ").append(p).append("-FWD -i ").append(br).append(" -j DROP\n");
                f.append("-A ").append(p).append("-FWD -o ").append(br).append(" -j DROP\n");
            } else {
                f.append("-A ").append(p).append("-FWD -i ").append(br).append(" -j ACCEPT\n");
            }
            f.append("-A ").append(p).append("-ISO1 -i ").append(br).append(" ! -o ").append(br).append(" -j ").append(p).append("-ISO2\n");
            f.append("-A ").append(p).append("-ISO2 -o ").append(br).append(" -j DROP\n");
        }
        for (PortRule r : ports) {
            f.append("-A ").append(p).append("-PORTS -d ").append(r.containerIp()).append("/32 ! -i ").append(r.device())
                    .append(" -o ").append(r.device()).append(" -p ").append(r.proto()).append(" -m ").append(r.proto())
                    .append(" --dport ").append(r.containerPort()).append(" -j ACCEPT\n");
        }
        f.append("COMMIT\n*nat\n");
        f.append(':').append(p).append("-POST - [0:0]\n:").append(p).append("-DNAT - [0:0]\n");
        for (NetworkRecord n : bridges) {
            if (!n.internal() && n.option(NetworkRecord.OPT_MASQUERADE, true)) {
                f.append("-A ").append(p).append("-POST -s ").append(n.subnet()).append(" ! -o ").append(n.device())
                        .append(" -j MASQUERADE\n");
            }
            f.append("-A ").append(p).append("-DNAT -i ").append(n.device()).append(" -j RETURN\n");
            // The host's connections from loopback must leave with the bridge's address (the container cannot answer
            // 127.0.0.1). Those from its other addresses keep their source, as in Docker, and the container answers
            // through its gateway: masquerading them too would mix, on the same bridge-address tuples, connections
            // whose TCP timestamps have different per-address-pair offsets, and the container's TIME_WAIT sockets
            // then drop new SYNs as PAWS-old (1 s retransmits: wrk to 127.0.0.1 after the host's address fell to a
            // quarter). An internal network has no route back, so there every local source is masqueraded.
            f.append("-A ").append(p).append("-POST -o ").append(n.device())
                    .append(n.internal() ? " -m addrtype --src-type LOCAL" : " -s 127.0.0.0/8").append(" -j MASQUERADE\n");
        }
        for (PortRule r : ports) {
            f.append("-A ").append(p).append("-DNAT");
            if (r.hostIp() != null && !r.hostIp().isEmpty() && !r.hostIp().equals("0.0.0.0")) {
                f.append(" -d ").append(r.hostIp()).append("/32");
            }
            f.append(" ! -i ").append(r.device()).append(" -p ").append(r.proto()).append(" -m ").append(r.proto())
                    .append(" --dport ").append(r.hostPort()).append(" -j DNAT --to-destination ")
                    .append(r.containerIp()).append(':').append(r.containerPort()).append('\n');
        }
        f.append("COMMIT\n");
        HostCommand.run(List.of("iptables-restore", "-w", "--noflush"), f.toString());
    }

    /** Removes the jumps and the chains. */
    void uninstall() {
        if (!enabled) {
            return;
        }
        for (String[] j : jumps()) {
            List<String> del = new ArrayList<>(List.of("iptables", "-w", "-t", j[0], "-D", j[1]));
            del.addAll(List.of(j).subList(2, j.length));
            while (HostCommand.succeeds(del)) {
                // a jump added twice (two berthd starts racing) goes too
            }
        }
        StringBuilder f = new StringBuilder("*filter\n");
        for (String c : List.of("-FWD", "-ISO1", "-ISO2", "-PORTS")) {
            f.append(':').append(p).append(c).append(" - [0:0]\n");
        }
        for (String c : List.of("-FWD", "-ISO1", "-ISO2", "-PORTS")) {
            f.append("-X ").append(p).append(c).append('\n');
        }
        f.append("COMMIT\n*nat\n:").append(p).append("-POST - [0:0]\n:").append(p).append("-DNAT - [0:0]\n");
        f.append("-X ").append(p).append("-POST\n-X ").append(p).append("-DNAT\nCOMMIT\n");
        try {
            HostCommand.run(List.of("iptables-restore", "-w", "--noflush"), f.toString());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "removing iptables chains " + p + "-*", e);
        }
    }
}
