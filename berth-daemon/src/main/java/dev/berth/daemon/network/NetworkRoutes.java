package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Filters;
import dev.berth.daemon.api.Router;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The Engine API's /networks endpoints, in Docker's shapes. */
public final class NetworkRoutes {
    private static final Set<String> LIST_FILTERS = Set.of("dangling", "driver", "id", "label", "name", "scope", "type");

    private final NetworkService service;
    private final Function<String, JsonNode> hostConfigOf;

    /**
     * @param hostConfigOf a container's stored HostConfig by ID (connect refuses containers on
     *                     host, none or another container's namespace)
     */
    public NetworkRoutes(NetworkService service, Function<String, JsonNode> hostConfigOf) {
        this.service = service;
        this.hostConfigOf = hostConfigOf;
    }

    public void register(Router r) {
        r.get("/networks", this::list);
        r.get("/networks/{id}", ex -> ex.respondJson(200, json(service.find(ex.pathVar("id")), true)));
        r.post("/networks/create", this::create);
        r.delete("/networks/{id}", ex -> {
            service.delete(ex.pathVar("id"));
            ex.respondEmpty(204);
        });
        r.post("/networks/{id}/connect", ex -> {
            JsonNode body = body(ex);
            String container = body.path("Container").asText("");
            if (container.isEmpty()) {
                throw ApiException.badRequest("container is required");
            }
            ContainerView.Info c = service.containers().find(container);
            service.connect(ex.pathVar("id"), c.id(), NetRequest.endpointSettings(body.get("EndpointConfig"), null),
                    hostConfigOf.apply(c.id()));
            ex.respondEmpty(200);
        });
        r.post("/networks/{id}/disconnect", ex -> {
            JsonNode body = body(ex);
            String container = body.path("Container").asText("");
            if (container.isEmpty()) {
                throw ApiException.badRequest("container is required");
            }
            service.disconnect(ex.pathVar("id"), container, body.path("Force").asBoolean(false));
            ex.respondEmpty(200);
        });
        r.post("/networks/prune", this::prune);
    }

    private static JsonNode body(Exchange ex) throws IOException {
        byte[] b = ex.body();
        if (b.length == 0) {
            return ex.json().mapper().createObjectNode();
        }
        JsonNode n;
        try {
            n = ex.json().mapper().readTree(b);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (n == null || !n.isObject()) {
            throw ApiException.badRequest("invalid JSON: expected an object");
        }
        return n;
    }

    private void create(Exchange ex) throws Exception {
        JsonNode b = body(ex);
        JsonNode ipam = b.path("IPAM");
        if (ipam.has("Driver") && !ipam.path("Driver").asText("").isEmpty() && !ipam.path("Driver").asText().equals("default")) {
            throw ApiException.badRequest("IPAM driver " + ipam.path("Driver").asText() + " is not supported");
        }
        String subnet = null;
        String gateway = null;
        String range = null;
        JsonNode cfgs = ipam.path("Config");
        if (cfgs.isArray()) {
            for (JsonNode c : cfgs) {
                String s = c.path("Subnet").asText("");
                if (s.contains(":")) {
                    throw ApiException.badRequest("IPv6 subnets are not supported by this berthd");
                }
                if (subnet != null) {
                    throw ApiException.badRequest("only one IPv4 subnet per network is supported by this berthd");
                }
                subnet = s.isEmpty() ? null : s;
                gateway = c.path("Gateway").asText("");
                range = c.path("IPRange").asText("");
                if (subnet == null && (!gateway.isEmpty() || !range.isEmpty())) {
                    throw ApiException.badRequest("a gateway or IP range needs a subnet");
                }
            }
        }
        NetworkRecord n = service.create(new NetworkService.CreateRequest(b.path("Name").asText(""),
                b.path("Driver").asText(""), b.path("Internal").asBoolean(false), b.path("Attachable").asBoolean(false),
                subnet, gateway, range, strings(b.path("Labels")), strings(b.path("Options")), b.path("EnableIPv6").asBoolean(false)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Id", n.id());
        out.put("Warning", "");
        ex.respondJson(201, out);
    }

    private static Map<String, String> strings(JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n.isObject()) {
            n.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        }
        return m;
    }

    private void list(Exchange ex) {
        Filters f = ex.filters().allowOnly(LIST_FILTERS);
        List<Map<String, Object>> out = new ArrayList<>();
        for (NetworkRecord n : service.list()) {
            if (matches(f, n)) {
                out.add(json(n, false));
            }
        }
        ex.respondJson(200, out);
    }

    private boolean matches(Filters f, NetworkRecord n) {
        boolean dangling = service.liveEndpoints(n.id()).isEmpty();
        return f.matchesAny("name", v -> n.name().contains(v))
                && f.matchesAny("id", v -> n.id().startsWith(v))
                && f.matchesAny("driver", v -> v.equals(n.driver()))
                && f.matchesLabels("label", n.labels())
                && f.matchesAny("scope", v -> v.equals("local"))
                && f.matchesAny("type", v -> {
                    if (!v.equals("custom") && !v.equals("builtin")) {
                        throw ApiException.badRequest("invalid filter: 'type'='" + v + "'");
                    }
                    return v.equals("builtin") == n.predefined();
                })
                && f.matchesAny("dangling", v -> (v.equals("true") || v.equals("1")) == (dangling && !n.predefined()));
    }

    private void prune(Exchange ex) {
        Filters f = ex.filters().allowOnly(Set.of("until", "label", "label!"));
        Instant until = f.has("until") ? until(f.get("until").getFirst()) : null;
        List<String> removed = service.prune(n -> {
            if (!f.matchesLabels("label", n.labels())) {
                return false;
            }
            for (String neg : f.get("label!")) {
                if (new Filters(Map.of("l", List.of(neg))).matchesLabels("l", n.labels())) {
                    return false;
                }
            }
            return until == null || Instant.parse(n.created()).isBefore(until);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("NetworksDeleted", removed.isEmpty() ? null : removed);
        ex.respondJson(200, out);
    }

    private static Instant until(String v) {
        try {
            if (v.matches("\\d+(\\.\\d+)?")) {
                return Instant.ofEpochSecond((long) Double.parseDouble(v));
            }
            if (v.matches("\\d+[smh]")) {
                long amount = Long.parseLong(v.substring(0, v.length() - 1));
                long secs = switch (v.charAt(v.length() - 1)) {
                    case 'm' -> amount * 60;
                    case 'h' -> amount * 3600;
                    default -> amount;
                };
                return Instant.now().minusSeconds(secs);
            }
            return Instant.parse(v);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid filter 'until=" + v + "'");
        }
    }

    /** Docker's network object; {@code Containers} is filled for inspect, empty in lists. */
    Map<String, Object> json(NetworkRecord n, boolean withContainers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", n.name());
        m.put("Id", n.id());
        m.put("Created", n.created());
        m.put("Scope", "local");
        m.put("Driver", n.driver());
        m.put("EnableIPv4", true);
        m.put("EnableIPv6", false);
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", n.predefined() ? null : Map.of());
        List<Map<String, String>> cfg = new ArrayList<>();
        if (n.subnet() != null) {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("Subnet", n.subnet());
            if (n.ipRange() != null) {
                c.put("IPRange", n.ipRange());
            }
            c.put("Gateway", n.gateway());
            cfg.add(c);
        }
        ipam.put("Config", n.isBridge() ? cfg : null);
        m.put("IPAM", ipam);
        m.put("Internal", n.internal());
        m.put("Attachable", n.attachable());
        m.put("Ingress", false);
        m.put("ConfigFrom", Map.of("Network", ""));
        m.put("ConfigOnly", false);
        Map<String, Object> containers = new LinkedHashMap<>();
        if (withContainers) {
            for (var e : service.liveEndpoints(n.id()).entrySet()) {
                ContainerView.Info c = service.containers().byId(e.getKey());
                Endpoint ep = e.getValue();
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("Name", c == null ? "" : c.name());
                x.put("EndpointID", ep.endpointId());
                x.put("MacAddress", ep.mac());
                x.put("IPv4Address", ep.ip() + "/" + n.subnetNet().prefix());
                x.put("IPv6Address", "");
                containers.put(e.getKey(), x);
            }
        }
        m.put("Containers", containers);
        m.put("Options", n.options());
        m.put("Labels", n.labels());
        return m;
    }
}
