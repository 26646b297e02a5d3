package dev.berth.daemon.network;

import dev.berth.daemon.api.ApiException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's {@code /etc/hostname}, {@code /etc/hosts} and {@code /etc/resolv.conf}, shaped as
 * Docker shapes them: the host's files for {@code --network host}; otherwise a fresh hosts file with
 * the container's own address, the host's resolvers without loopback ones (unreachable from the
 * container) on the default bridge, and the embedded server 127.0.0.11 on user-defined networks.
 */
final class ContainerFiles {
    private static final String HOSTS_HEAD = """
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::\tip6-localnet
            ff00::\tip6-mcastprefix
            ff02::1\tip6-allnodes
            ff02::2\tip6-allrouters
            """;

    /** What the files are made from. */
    record Spec(String hostname, String domainname, boolean hostNetwork, boolean embeddedDns, String ownIp,
                NetRequest req, String hostGateway) {}

    private ContainerFiles() {}

    /** Checks {@code --add-host} entries: {@code name:ip} or {@code name=ip}, ip may be {@code host-gateway}. */
    static void validateExtraHosts(List<String> extraHosts) {
        for (String e : extraHosts) {
            int sep = separator(e);
            if (sep <= 0 || sep == e.length() - 1) {
                throw ApiException.badRequest("invalid IP address in add-host: \"" + e + "\"");
            }
        }
    }

    private static int separator(String e) {
        int eq = e.indexOf('=');
        return eq >= 0 ? eq : e.indexOf(':');
    }

    static void write(Path dir, Spec s) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve("hostname"), s.hostname() + "\n");
        writeAtomically(dir.resolve("hosts"), hosts(s));
        writeAtomically(dir.resolve("resolv.conf"), resolvConf(s));
    }

    static String hosts(Spec s) {
        StringBuilder hosts = new StringBuilder();
        if (s.hostNetwork()) {
            hosts.append(HostResolvConf.readOr(Path.of("/etc/hosts"), "127.0.0.1\tlocalhost\n"));
        } else {
            hosts.append(HOSTS_HEAD);
        }
        for (String e : s.req().extraHosts()) {
            int sep = separator(e);
            String addr = e.substring(sep + 1);
            if (addr.equals("host-gateway")) {
                if (s.hostGateway() == null) {
                    throw ApiException.badRequest("unable to derive the IP value for host-gateway");
                }
                addr = s.hostGateway();
            }
            hosts.append(addr.replaceAll("^\\[|\\]$", "")).append('\t').append(e, 0, sep).append('\n');
        }
        if (s.ownIp() != null) {
            hosts.append(s.ownIp()).append('\t');
            if (s.domainname() != null && !s.domainname().isEmpty()) {
                hosts.append(s.hostname()).append('.').append(s.domainname()).append(' ');
            }
            hosts.append(s.hostname()).append('\n');
        }
        return hosts.toString();
    }

    static String resolvConf(Spec s) {
        HostResolvConf host = HostResolvConf.read();
        List<String> servers = new ArrayList<>(host.nameservers());
        List<String> search = new ArrayList<>(host.search());
        List<String> options = new ArrayList<>(host.options());
        NetRequest r = s.req();
        if (s.embeddedDns()) {
            // the embedded server forwards to the host's resolvers (or --dns) itself
            servers = List.of(DnsServer.ADDRESS);
            options.removeIf(o -> o.startsWith("ndots:"));
            options.add(0, "ndots:0");
        } else {
            if (!s.hostNetwork()) {
                servers.removeIf(a -> a.startsWith("127.") || a.equals("::1"));
                if (servers.isEmpty()) {
                    servers.addAll(List.of("8.8.8.8", "8.8.4.4"));
                }
            }
            if (!r.dns().isEmpty()) {
                servers = r.dns();
            }
        }
        if (!r.dnsSearch().isEmpty()) {
            search = r.dnsSearch().equals(List.of(".")) ? List.of() : r.dnsSearch();
        }
        if (!r.dnsOptions().isEmpty()) {
            options = s.embeddedDns() ? new ArrayList<>(List.of("ndots:0")) : new ArrayList<>();
            for (String o : r.dnsOptions()) {
                if (o.startsWith("ndots:")) {
                    options.removeIf(x -> x.startsWith("ndots:"));
                }
                options.add(o);
            }
        }
        StringBuilder rc = new StringBuilder();
        host.other().forEach(l -> rc.append(l).append('\n'));
        if (!search.isEmpty()) {
            rc.append("search ").append(String.join(" ", search)).append('\n');
        }
        servers.forEach(a -> rc.append("nameserver ").append(a).append('\n'));
        if (!options.isEmpty()) {
            rc.append("options ").append(String.join(" ", options)).append('\n');
        }
        return rc.toString();
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
