package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A container's network as Docker shows it: {@code NetworkSettings} in inspect, ports and networks in lists. */
final class ContainerNetworkJson {
    private final NetworkService service;

    ContainerNetworkJson(NetworkService service) {
        this.service = service;
    }


    /** {@code NetworkSettings} of a container's inspect, as Docker fills it. */
    Map<String, Object> settings(String containerId, JsonNode hostConfig, Map<String, Object> exposedPorts, boolean running) {
        NetRequest req;
        try {
            req = NetRequest.parse(hostConfig, null, null);
        } catch (ApiException e) {
            req = new NetRequest("bridge", List.of(), false, List.of(), List.of(), List.of(), List.of(), Map.of());
        }
        List<Endpoint> eps = service.endpointsOf(containerId);
        Map<String, Object> ns = new LinkedHashMap<>();
        boolean sandboxed = running && Files.exists(service.netnsPath(containerId));
        ns.put("Bridge", "");
        ns.put("SandboxID", sandboxed ? containerId : "");
        ns.put("SandboxKey", sandboxed ? service.netnsPath(containerId).toString() : "");
        Map<String, Object> ports = new LinkedHashMap<>();
        if (running && !req.isContainerMode()) {
            if (exposedPorts != null) {
                exposedPorts.keySet().forEach(k -> ports.put(k.contains("/") ? k : k + "/tcp", null));
            }
            for (Endpoint e : eps) {
                for (PortBinding b : e.ports()) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, String>> l = (List<Map<String, String>>) ports.get(b.key());
                    if (l == null) {
                        l = new ArrayList<>();
                        ports.put(b.key(), l);
                    }
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("HostIp", b.hostIp());
                    m.put("HostPort", Integer.toString(b.hostPort()));
                    l.add(m);
                }
            }
        }
        ns.put("Ports", ports);
        ns.put("HairpinMode", false);
        ns.put("LinkLocalIPv6Address", "");
        ns.put("LinkLocalIPv6PrefixLen", 0);
        ns.put("SecondaryIPAddresses", null);
        ns.put("SecondaryIPv6Addresses", null);
        Endpoint def = eps.stream().filter(e -> {
            NetworkRecord n = service.network(e.networkId());
            return n != null && n.isDefaultBridge() && e.live();
        }).findFirst().orElse(null);
        NetworkRecord defNet = def == null ? null : service.network(def.networkId());
        ns.put("EndpointID", def == null ? "" : def.endpointId());
        ns.put("Gateway", def == null ? "" : defNet.gateway());
        ns.put("GlobalIPv6Address", "");
        ns.put("GlobalIPv6PrefixLen", 0);
        ns.put("IPAddress", def == null ? "" : def.ip());
        ns.put("IPPrefixLen", def == null ? 0 : defNet.subnetNet().prefix());
        ns.put("IPv6Gateway", "");
        ns.put("MacAddress", def == null ? "" : def.mac());
        Map<String, Object> nets = new LinkedHashMap<>();
        if (req.isHost() || req.isNone()) {
            NetworkRecord n = service.named(req.mode());
            nets.put(req.mode(), endpointJson(null, n));
        } else if (!req.isContainerMode()) {
            for (Endpoint e : eps) {
                NetworkRecord n = service.network(e.networkId());
                if (n != null) {
                    nets.put(n.name(), endpointJson(e, n));
                }
            }
        }
        ns.put("Networks", nets);
        return ns;
    }

    private Map<String, Object> endpointJson(Endpoint e, NetworkRecord n) {
        boolean live = e != null && e.live();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("IPAMConfig", e != null && e.fixedIp() != null ? Map.of("IPv4Address", e.fixedIp()) : null);
        m.put("Links", null);
        m.put("Aliases", e == null || e.aliases().isEmpty() ? null : e.aliases());
        m.put("MacAddress", live ? e.mac() : "");
        m.put("DriverOpts", null);
        m.put("GwPriority", 0);
        m.put("NetworkID", n == null ? "" : n.id());
        m.put("EndpointID", live ? e.endpointId() : "");
        m.put("Gateway", live ? n.gateway() : "");
        m.put("IPAddress", live ? e.ip() : "");
        m.put("IPPrefixLen", live ? n.subnetNet().prefix() : 0);
        m.put("IPv6Gateway", "");
        m.put("GlobalIPv6Address", "");
        m.put("GlobalIPv6PrefixLen", 0);
        m.put("DNSNames", e != null && n != null && !n.predefined() ? service.dnsNames(e) : null);
        return m;
    }

    /** {@code Ports} of a container in {@code GET /containers/json}. */
    List<Map<String, Object>> portSummary(String containerId, Map<String, Object> exposedPorts, boolean running) {
        List<Map<String, Object>> out = new ArrayList<>();
        Set<String> published = new HashSet<>();
        if (running) {
            for (Endpoint e : service.endpointsOf(containerId)) {
                for (PortBinding b : e.ports()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("IP", b.hostIp());
                    m.put("PrivatePort", b.containerPort());
                    m.put("PublicPort", b.hostPort());
                    m.put("Type", b.proto());
                    out.add(m);
                    published.add(b.key());
                }
            }
        }
        if (exposedPorts != null) {
            for (String k : exposedPorts.keySet()) {
                String key = k.contains("/") ? k : k + "/tcp";
                if (!published.contains(key)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("PrivatePort", Integer.parseInt(key.substring(0, key.indexOf('/'))));
                    m.put("Type", key.substring(key.indexOf('/') + 1));
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** Networks of a container in {@code GET /containers/json}. */
    Map<String, Object> networksSummary(String containerId, JsonNode hostConfig) {
        @SuppressWarnings("unchecked")
        Map<String, Object> nets = (Map<String, Object>) settings(containerId, hostConfig, null, true).get("Networks");
        return nets;
    }
}
