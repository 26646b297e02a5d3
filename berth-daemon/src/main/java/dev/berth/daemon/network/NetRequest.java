package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network part of a create request: {@code HostConfig.NetworkMode}, port bindings, DNS and
 * hosts settings, and {@code NetworkingConfig.EndpointsConfig}, checked and normalised.
 *
 * @param mode          {@code bridge}, {@code host}, {@code none}, {@code container:<ref>} or a network name/ID
 * @param ports         requested bindings; {@code hostPort} 0 means any free port, {@code hostPortEnd}
 *                      above it a range to pick from
 * @param endpoints     per network (name or ID as the client wrote it): aliases, fixed address
 */
record NetRequest(String mode, List<Requested> ports, boolean publishAll, List<String> dns, List<String> dnsSearch,
                  List<String> dnsOptions, List<String> extraHosts, Map<String, EndpointSettings> endpoints) {

    /** One requested binding of {@code containerPort/proto}. */
    record Requested(String proto, int containerPort, String hostIp, int hostPort, int hostPortEnd) {}

    /** What the client asked for on one network. */
    record EndpointSettings(List<String> aliases, String ipv4, String mac) {}

    boolean isHost() {
        return mode.equals("host");
    }

    boolean isNone() {
        return mode.equals("none");
    }

    boolean isContainerMode() {
        return mode.startsWith("container:");
    }

    /** Parses HostConfig and NetworkingConfig (either may be null); 400 on bad input. */
    static NetRequest parse(JsonNode hostConfig, JsonNode networking, String macAddress) {
        JsonNode h = hostConfig == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : hostConfig;
        String mode = h.path("NetworkMode").asText("");
        if (mode.isEmpty() || mode.equals("default")) {
            mode = "bridge";
        }
        if (mode.startsWith("container:") && mode.length() == "container:".length()) {
            throw ApiException.badRequest("invalid container format container:<name|id>");
        }
        List<Requested> ports = new ArrayList<>();
        JsonNode pb = h.path("PortBindings");
        if (pb.isObject()) {
            for (var e : pb.properties()) {
                String key = e.getKey();
                int slash = key.indexOf('/');
                String proto = slash < 0 ? "tcp" : key.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
                if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
                    throw ApiException.badRequest("invalid proto: " + proto);
                }
                if (proto.equals("sctp")) {
                    throw ApiException.badRequest("sctp port publishing is not supported by this berthd");
                }
                int cport = port(slash < 0 ? key : key.substring(0, slash), key);
                List<JsonNode> bindings = new ArrayList<>();
                if (e.getValue().isArray()) {
                    e.getValue().forEach(bindings::add);
                }
                if (bindings.isEmpty()) {
                    bindings.add(com.fasterxml.jackson.databind.node.NullNode.getInstance());
                }
                for (JsonNode b : bindings) {
                    String hostIp = b.path("HostIp").asText("");
                    if (!hostIp.isEmpty() && !Ipv4Net.isAddress(hostIp)) {
                        if (hostIp.contains(":")) {
                            continue; // IPv6 bindings: this berthd publishes on IPv4 only
                        }
                        throw ApiException.badRequest("invalid host IP: " + hostIp);
                    }
                    String hp = b.path("HostPort").asText("");
                    int lo = 0;
                    int hi = 0;
                    if (!hp.isEmpty() && !hp.equals("0")) {
                        int dash = hp.indexOf('-');
                        lo = port(dash < 0 ? hp : hp.substring(0, dash), hp);
                        hi = dash < 0 ? lo : port(hp.substring(dash + 1), hp);
                        if (hi < lo) {
                            throw ApiException.badRequest("invalid port range: " + hp);
                        }
                    }
                    ports.add(new Requested(proto, cport, hostIp.isEmpty() ? "0.0.0.0" : hostIp, lo, hi));
                }
            }
        }
        Map<String, EndpointSettings> eps = new LinkedHashMap<>();
        JsonNode ec = networking == null ? null : networking.path("EndpointsConfig");
        if (ec != null && ec.isObject()) {
            for (var e : ec.properties()) {
                // the CLI names the default network "default"
                String key = e.getKey().equals("default") ? mode : e.getKey();
                eps.put(key, endpointSettings(e.getValue(), macAddress));
            }
        }
        List<String> extra = strings(h.path("ExtraHosts"));
        ContainerFiles.validateExtraHosts(extra);
        for (String d : strings(h.path("Dns"))) {
            if (!Ipv4Net.isAddress(d) && !d.contains(":")) {
                throw ApiException.badRequest(d + " is not an ip address");
            }
        }
        return new NetRequest(mode, ports, h.path("PublishAllPorts").asBoolean(false), strings(h.path("Dns")),
                strings(h.path("DnsSearch")), strings(h.path("DnsOptions")), extra, eps);
    }

    static EndpointSettings endpointSettings(JsonNode n, String macAddress) {
        if (n == null || !n.isObject()) {
            return new EndpointSettings(List.of(), null, emptyToNull(macAddress));
        }
        String ip = n.path("IPAMConfig").path("IPv4Address").asText("");
        if (!ip.isEmpty() && !Ipv4Net.isAddress(ip)) {
            throw ApiException.badRequest("invalid IPv4 address: " + ip);
        }
        String mac = n.path("MacAddress").asText("");
        if (mac.isEmpty()) {
            mac = macAddress == null ? "" : macAddress;
        }
        if (!mac.isEmpty() && !mac.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw ApiException.badRequest("invalid MAC address: " + mac);
        }
        return new EndpointSettings(strings(n.path("Aliases")), emptyToNull(ip), emptyToNull(mac.toLowerCase(java.util.Locale.ROOT)));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static int port(String s, String whole) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid port specification: \"" + whole + "\"");
        }
    }

    static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(x -> {
                if (x.isTextual() && !x.asText().isEmpty()) {
                    out.add(x.asText());
                }
            });
        }
        return out;
    }
}
