package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.store.MetadataDb;
import dev.berth.sys.Netns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns berthd's networks: the records, address allocation (IPAM), bridges, each running
 * container's network namespace and veths, published ports, firewall rules and the embedded DNS.
 *
 * <p>A container's namespace is made by berthd (pinned on {@code <exec root>/netns/<id>}) and given
 * to runc by path, so it is ready before the process starts and outlives it until released.
 * Endpoints (a container's membership of a network) are stored with the container's settings at
 * create; the address, MAC and veth are added while it runs and cleared when it stops.
 */
public final class NetworkService implements AutoCloseable, DnsServer.Names {
    private static final Logger LOG = Logger.getLogger(NetworkService.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final java.util.regex.Pattern VALID_NAME = java.util.regex.Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$");
    static final String OPT_BRIDGE_NAME = "com.docker.network.bridge.name";
    static final String OPT_MTU = "com.docker.network.driver.mtu";

    private final NetworkConfig config;
    private final NetworkStore store;
    private final ContainerView containers;
    private final BridgeDriver bridges;
    private final Firewall firewall;
    private final DnsServer dns;
    private final Path netnsDir;
    /** Guards the records below and every allocation; host commands run outside it where they can. */
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock firewallLock = new ReentrantLock();
    /** Concurrent: read without the lock on hot paths (start, DNS); changed only under it. */
    private final Map<String, NetworkRecord> networks = new ConcurrentHashMap<>();
    private final Map<String, List<Endpoint>> endpoints = new LinkedHashMap<>();
    private final Map<String, List<PortProxy>> proxies = new ConcurrentHashMap<>();
    private final ContainerNetworkJson json = new ContainerNetworkJson(this);

    public NetworkService(NetworkConfig config, Path execRoot, MetadataDb db, ContainerView containers) throws SQLException {
        this.config = config;
        this.store = new NetworkStore(db);
        this.containers = containers;
        this.bridges = new BridgeDriver(execRoot);
        this.firewall = new Firewall(config.chainPrefix(), config.iptables());
        this.dns = new DnsServer(this);
        this.netnsDir = execRoot.resolve("netns");
    }

    private volatile dev.berth.daemon.events.EventLog events;

    /** Sets where network events (create, connect, disconnect, destroy) go. */
    public void setEvents(dev.berth.daemon.events.EventLog events) {
        this.events = events;
    }

    /** A network event with Docker's attributes: {@code container} (when given), {@code name} and {@code type} (the driver). */
    private void event(String action, NetworkRecord n, String containerId) {
        dev.berth.daemon.events.EventLog log = events;
        if (log == null || n == null) {
            return;
        }
        Map<String, String> a = new java.util.TreeMap<>();
        if (containerId != null) {
            a.put("container", containerId);
        }
        a.put("name", n.name());
        a.put("type", n.driver());
        log.publish("network", action, n.id(), a);
    }

    public NetworkConfig config() {
        return config;
    }

    // ---- lifecycle ----

    /** Loads the records, makes the predefined networks, the bridges and the firewall chains. */
    public void start() throws IOException, SQLException {
        for (NetworkRecord n : store.networks()) {
            networks.put(n.id(), n);
        }
        for (Endpoint e : store.endpoints()) {
            endpoints.computeIfAbsent(e.containerId(), k -> new ArrayList<>()).add(e);
        }
        ensurePredefined();
        Files.createDirectories(netnsDir);
        if (config.ipForward() && hasBridges()) {
            try {
                Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1");
            } catch (IOException e) {
                LOG.warning("cannot enable IPv4 forwarding: " + e.getMessage());
            }
        }
        for (NetworkRecord n : networks.values()) {
            if (n.isBridge()) {
                bridges.ensureBridge(n);
            }
        }
        firewall.install();
        applyFirewall();
    }

    private boolean hasBridges() {
        return networks.values().stream().anyMatch(NetworkRecord::isBridge);
    }

    private void ensurePredefined() throws SQLException, IOException {
        NetworkRecord bridge = byName("bridge");
        if (config.defaultBridge()) {
            Ipv4Net want = null;
            if (config.bip() != null && !config.bip().isEmpty()) {
                want = Ipv4Net.parse(config.bip());
            } else if (bridge != null && bridge.device().equals(config.bridge())) {
                want = new Ipv4Net(Ipv4Net.parseAddress(bridge.gateway()), bridge.subnetNet().prefix());
            }
            if (want == null) {
                Ipv4Net subnet = allocateSubnet(bridge == null ? null : bridge.id());
                want = new Ipv4Net(subnet.first() + 1, subnet.prefix());
            }
            Map<String, String> opts = new LinkedHashMap<>();
            opts.put("com.docker.network.bridge.default_bridge", "true");
            opts.put("com.docker.network.bridge.enable_icc", "true");
            opts.put("com.docker.network.bridge.enable_ip_masquerade", "true");
            opts.put("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0");
            opts.put(OPT_BRIDGE_NAME, config.bridge());
            opts.put(OPT_MTU, "1500");
            NetworkRecord n = new NetworkRecord(bridge == null ? newId() : bridge.id(), "bridge", "bridge",
                    bridge == null ? Instant.now().toString() : bridge.created(), config.bridge(), want.network().toString(),
                    want.addressString(), null, true, false, false, 1500, Map.of(), opts, true);
            if (bridge == null) {
                store.insert(n);
            } else if (!n.equals(bridge)) {
                if (!bridge.device().equals(n.device())) {
                    bridges.deleteBridge(bridge.device());
                }
                store.update(n);
            }
            networks.put(n.id(), n);
        } else if (bridge != null) {
            // --bridge none: the old default bridge goes, with the settings of containers on it
            bridges.deleteBridge(bridge.device());
            networks.remove(bridge.id());
        }
        for (String name : List.of("host", "none")) {
            if (byName(name) == null) {
                NetworkRecord n = new NetworkRecord(newId(), name, name.equals("none") ? "null" : "host",
                        Instant.now().toString(), "", null, null, null, false, false, false, 0, Map.of(), Map.of(), true);
                store.insert(n);
                networks.put(n.id(), n);
            }
        }
    }

    /**
     * Re-adopts what running containers use after a restart (DNS listeners, port proxies) and
     * releases everything of containers that are gone or stopped: namespaces, addresses, bridges
     * of removed networks.
     */
    public void restore() throws IOException, SQLException {
        try {
            restoreNow();
        } finally {
            restored.countDown();
        }
    }

    /**
     * Waits (bounded) until {@link #restore} has run: a container restarted by its policy while
     * berthd starts must not have its new namespace taken for a leftover and deleted.
     */
    public void awaitRestored() throws InterruptedException {
        restored.await(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    private final java.util.concurrent.CountDownLatch restored = new java.util.concurrent.CountDownLatch(1);

    private void restoreNow() throws IOException, SQLException {
        List<String> ids;
        lock.lock();
        try {
            ids = new ArrayList<>(endpoints.keySet());
        } finally {
            lock.unlock();
        }
        Set<String> live = new HashSet<>();
        for (String id : ids) {
            ContainerView.Info c = containers.byId(id);
            List<Endpoint> eps = endpointsOf(id);
            if (c == null) {
                removed(id);
            } else if (eps.stream().anyMatch(Endpoint::live)) {
                if (c.running() && Files.exists(netnsPath(id))) {
                    live.add(id);
                    readopt(id, eps, NetRequest.parse(c.hostConfig(), null, null).dns());
                } else {
                    release(id);
                }
            }
        }
        try (var s = Files.list(netnsDir)) {
            for (Path f : s.toList()) {
                if (!live.contains(f.getFileName().toString())) {
                    namespaces.delete(f);
                }
            }
        }
        List<String> keep = networks.values().stream().filter(NetworkRecord::isBridge).map(NetworkRecord::device).toList();
        for (String b : bridges.ownBridgesExcept(keep)) {
            bridges.deleteBridge(b);
        }
        applyFirewall();
    }

    private void readopt(String id, List<Endpoint> eps, List<String> upstreams) {
        try {
            if (eps.stream().anyMatch(e -> e.live() && isUserNetwork(e.networkId()))) {
                dns.listen(id, netnsPath(id), upstreams);
            }
            List<PortProxy> ps = new ArrayList<>();
            for (Endpoint e : eps) {
                for (PortBinding b : e.ports()) {
                    try {
                        ps.add(PortProxy.open(b.proto(), b.hostIp(), b.hostPort(), new InetSocketAddress(e.ip(), b.containerPort())));
                    } catch (IOException x) {
                        LOG.warning("cannot listen again on " + b.hostIp() + ":" + b.hostPort() + " for " + id + ": " + x.getMessage());
                    }
                }
            }
            proxies.put(id, ps);
            LOG.info("re-adopted the network of container " + id);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "re-adopting the network of " + id, e);
        }
    }

    /**
     * At shutdown, running containers keep their namespaces, addresses and rules for the next
     * start to adopt; with none running, the bridges and chains are removed.
     */
    @Override
    public void close() {
        dns.close();
        for (List<PortProxy> ps : proxies.values()) {
            ps.forEach(PortProxy::close);
        }
        proxies.clear();
        boolean anyLive;
        lock.lock();
        try {
            anyLive = endpoints.values().stream().flatMap(List::stream).anyMatch(Endpoint::live);
        } finally {
            lock.unlock();
        }
        if (anyLive) {
            return;
        }
        firewall.uninstall();
        for (NetworkRecord n : networks.values()) {
            if (n.isBridge()) {
                try {
                    bridges.deleteBridge(n.device());
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "removing bridge " + n.device(), e);
                }
            }
        }
    }

    // ---- networks ----

    private NetworkRecord byName(String name) {
        for (NetworkRecord n : networks.values()) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    /** Docker's lookup: full ID, exact name, unique ID prefix; 404 otherwise. */
    public NetworkRecord find(String ref) {
        lock.lock();
        try {
            NetworkRecord n = findOrNull(ref);
            if (n == null) {
                throw ApiException.notFound("network " + ref + " not found");
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    private NetworkRecord findOrNull(String ref) {
        if (ref == null || ref.isEmpty()) {
            return null;
        }
        NetworkRecord n = networks.get(ref);
        if (n != null) {
            return n;
        }
        n = byName(ref);
        if (n != null) {
            return n;
        }
        NetworkRecord found = null;
        for (NetworkRecord x : networks.values()) {
            if (x.id().startsWith(ref)) {
                if (found != null) {
                    throw ApiException.badRequest("network " + ref + " is ambiguous (" + 2 + " matches found based on ID prefix)");
                }
                found = x;
            }
        }
        return found;
    }

    /** In the order they were created. */
    public List<NetworkRecord> list() {
        List<NetworkRecord> l = new ArrayList<>(networks.values());
        l.sort(java.util.Comparator.comparing(NetworkRecord::created).thenComparing(NetworkRecord::name));
        return l;
    }

    /** What {@code POST /networks/create} asks for. */
    public record CreateRequest(String name, String driver, boolean internal, boolean attachable, String subnet,
                                String gateway, String ipRange, Map<String, String> labels, Map<String, String> options,
                                boolean enableIpv6) {}

    public NetworkRecord create(CreateRequest r) throws IOException, SQLException {
        if (r.name() == null || r.name().isEmpty()) {
            throw ApiException.badRequest("network name is required");
        }
        if (!VALID_NAME.matcher(r.name()).matches()) {
            throw ApiException.badRequest("invalid network name \"" + r.name() + "\", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        String driver = r.driver() == null || r.driver().isEmpty() ? "bridge" : r.driver();
        if (!driver.equals("bridge")) {
            if (driver.equals("host") || driver.equals("null")) {
                throw new ApiException(403, "only one instance of \"" + driver + "\" network is allowed");
            }
            throw ApiException.notFound("plugin \"" + driver + "\" not found");
        }
        if (r.enableIpv6()) {
            throw ApiException.badRequest("IPv6 networks are not supported by this berthd");
        }
        Map<String, String> options = r.options() == null ? Map.of() : r.options();
        int mtu = 1500;
        if (options.containsKey(OPT_MTU)) {
            try {
                mtu = Integer.parseInt(options.get(OPT_MTU));
            } catch (NumberFormatException e) {
                mtu = -1;
            }
            if (mtu < 68 || mtu > 65535) {
                throw ApiException.badRequest("invalid MTU " + options.get(OPT_MTU));
            }
        }
        for (String key : List.of(NetworkRecord.OPT_ICC, NetworkRecord.OPT_MASQUERADE)) {
            String v = options.get(key);
            if (v != null && !List.of("true", "false", "1", "0").contains(v)) {
                throw ApiException.badRequest("invalid value " + v + " for option " + key);
            }
        }
        String id = newId();
        String device = options.getOrDefault(OPT_BRIDGE_NAME, "br-" + id.substring(0, 12));
        if (!device.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}")) {
            throw ApiException.badRequest("invalid bridge name " + device);
        }
        lock.lock();
        NetworkRecord n;
        try {
            if (byName(r.name()) != null) {
                throw ApiException.conflict("network with name " + r.name() + " already exists");
            }
            for (NetworkRecord x : networks.values()) {
                if (x.isBridge() && x.device().equals(device)) {
                    throw ApiException.conflict("bridge " + device + " is already used by network " + x.name());
                }
            }
            if (BridgeDriver.deviceExists(device)) {
                throw ApiException.conflict("a network interface named " + device + " already exists on the host");
            }
            Ipv4Net subnet;
            boolean given = r.subnet() != null && !r.subnet().isEmpty();
            try {
                subnet = given ? Ipv4Net.parse(r.subnet()) : allocateSubnet(null);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("invalid subnet " + r.subnet() + ": " + e.getMessage());
            }
            if (given && !subnet.equals(subnet.network())) {
                throw ApiException.badRequest("invalid subnet " + subnet + " : it should be " + subnet.network());
            }
            if (subnet.prefix() > 30) {
                throw ApiException.badRequest("subnet " + subnet + " is too small");
            }
            for (NetworkRecord x : networks.values()) {
                if (x.subnet() != null && x.subnetNet().overlaps(subnet)) {
                    throw new ApiException(403, "Pool overlaps with other one on this address space");
                }
            }
            String gateway;
            if (r.gateway() != null && !r.gateway().isEmpty()) {
                if (!Ipv4Net.isAddress(r.gateway()) || !subnet.contains(Ipv4Net.parseAddress(r.gateway()))) {
                    throw ApiException.badRequest("invalid gateway " + r.gateway() + " for subnet " + subnet);
                }
                gateway = r.gateway();
            } else {
                gateway = Ipv4Net.format(subnet.first() + 1);
            }
            String range = null;
            if (r.ipRange() != null && !r.ipRange().isEmpty()) {
                Ipv4Net ir;
                try {
                    ir = Ipv4Net.parse(r.ipRange()).network();
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("invalid ip range " + r.ipRange());
                }
                if (!subnet.contains(ir)) {
                    throw ApiException.badRequest("ip range " + ir + " is not within subnet " + subnet);
                }
                range = ir.toString();
            }
            n = new NetworkRecord(id, r.name(), "bridge", Instant.now().toString(), device, subnet.toString(), gateway,
                    range, given, r.internal(), r.attachable(), mtu, r.labels() == null ? Map.of() : Map.copyOf(r.labels()),
                    Map.copyOf(options), false);
            store.insert(n);
            networks.put(id, n);
        } finally {
            lock.unlock();
        }
        try {
            bridges.ensureBridge(n);
            if (config.ipForward()) {
                Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1");
            }
            applyFirewall();
        } catch (IOException e) {
            lock.lock();
            try {
                networks.remove(id);
                store.delete(id);
            } finally {
                lock.unlock();
            }
            bridges.deleteBridge(device);
            throw e;
        }
        event("create", n, null);
        return n;
    }

    /** Removes a user-defined network: 403 for predefined ones, 409 while containers use it. */
    public void delete(String ref) throws IOException, SQLException {
        NetworkRecord n;
        lock.lock();
        try {
            n = find(ref);
            if (n.predefined()) {
                throw new ApiException(403, n.name() + " is a pre-defined network and cannot be removed");
            }
            List<String> users = containersOn(n.id());
            if (!users.isEmpty() || !store.delete(n.id())) {
                throw ApiException.conflict("error while removing network: network " + n.name() + " id " + n.id()
                        + " has active endpoints");
            }
            networks.remove(n.id());
        } finally {
            lock.unlock();
        }
        bridges.deleteBridge(n.device());
        applyFirewall();
        event("destroy", n, null);
    }

    /** Removes user-defined networks no container uses; returns their names. */
    public List<String> prune(java.util.function.Predicate<NetworkRecord> filter) {
        List<String> out = new ArrayList<>();
        for (NetworkRecord n : list()) {
            if (n.predefined() || !filter.test(n)) {
                continue;
            }
            try {
                delete(n.id());
                out.add(n.name());
            } catch (ApiException e) {
                // in use
            } catch (IOException | SQLException e) {
                LOG.log(Level.WARNING, "pruning network " + n.name(), e);
            }
        }
        return out;
    }

    /** IDs of containers with an endpoint (running or not) on the network. */
    private List<String> containersOn(String networkId) {
        List<String> out = new ArrayList<>();
        for (var e : endpoints.entrySet()) {
            if (e.getValue().stream().anyMatch(x -> x.networkId().equals(networkId))) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** The running containers on a network, for inspect: container ID to its live endpoint. */
    public Map<String, Endpoint> liveEndpoints(String networkId) {
        lock.lock();
        try {
            Map<String, Endpoint> out = new LinkedHashMap<>();
            for (var e : endpoints.entrySet()) {
                for (Endpoint x : e.getValue()) {
                    if (x.networkId().equals(networkId) && x.live()) {
                        out.put(e.getKey(), x);
                    }
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    public ContainerView containers() {
        return containers;
    }

    /** The first free subnet of the pools: clear of host routes, docker0's range and our networks. */
    private Ipv4Net allocateSubnet(String exceptNetworkId) {
        List<Ipv4Net> taken = new ArrayList<>(HostRoutes.read());
        taken.add(Ipv4Net.parse("172.17.0.0/16"));
        for (NetworkRecord n : networks.values()) {
            if (n.subnet() != null && !n.id().equals(exceptNetworkId)) {
                taken.add(n.subnetNet());
            }
        }
        for (NetworkConfig.Pool p : config.pools()) {
            long step = 1L << (32 - p.size());
            for (long a = Integer.toUnsignedLong(p.base().first()); a + step - 1 <= Integer.toUnsignedLong(p.base().last()); a += step) {
                Ipv4Net cand = new Ipv4Net((int) a, p.size());
                if (taken.stream().noneMatch(t -> t.overlaps(cand))) {
                    return cand;
                }
            }
        }
        throw new ApiException(403, "all predefined address pools have been fully subnetted");
    }

    // ---- containers ----

    Path netnsPath(String containerId) {
        return netnsDir.resolve(containerId);
    }

    private boolean isUserNetwork(String networkId) {
        NetworkRecord n = networks.get(networkId);
        return n != null && n.isBridge() && !n.predefined();
    }

    List<Endpoint> endpointsOf(String containerId) {
        lock.lock();
        try {
            return List.copyOf(endpoints.getOrDefault(containerId, List.of()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks a create request's network settings (404 for unknown networks, 400 for bad values)
     * and records the container's endpoints. Called once the container's ID is known.
     */
    public void created(String containerId, JsonNode hostConfig, JsonNode networking, String macAddress) throws SQLException {
        NetRequest req = NetRequest.parse(hostConfig, networking, macAddress);
        List<Endpoint> eps = new ArrayList<>();
        lock.lock();
        try {
            if (req.isContainerMode()) {
                ContainerView.Info other = containers.find(req.mode().substring("container:".length()));
                if (other.id().equals(containerId)) {
                    throw ApiException.badRequest("cannot join own network namespace");
                }
                checkNoPorts(req, "conflicting options: port publishing and the container type network mode");
                return;
            }
            if (req.isHost() || req.isNone()) {
                if (req.isNone()) {
                    checkNoPorts(req, "conflicting options: port publishing and the container type network mode");
                }
                return;
            }
            Set<String> seen = new HashSet<>();
            NetworkRecord primary = req.mode().equals("bridge") && !config.defaultBridge() ? null : findOrNull(req.mode());
            if (primary == null && !(req.mode().equals("bridge") && !config.defaultBridge())) {
                throw ApiException.notFound("network " + req.mode() + " not found");
            }
            if (primary != null && !primary.isBridge()) {
                return; // "host" or "none" by network name
            }
            List<NetworkRecord> order = new ArrayList<>();
            if (primary != null) {
                order.add(primary);
            }
            for (String ref : req.endpoints().keySet()) {
                if (primary == null && ref.equals("bridge")) {
                    continue; // --bridge none: the default network is loopback only
                }
                NetworkRecord n = findOrNull(ref);
                if (n == null) {
                    throw ApiException.notFound("network " + ref + " not found");
                }
                if (!n.isBridge()) {
                    throw ApiException.badRequest("container cannot be connected to network " + n.name() + " and others");
                }
                if (!order.contains(n)) {
                    order.add(n);
                }
            }
            for (NetworkRecord n : order) {
                if (!seen.add(n.id())) {
                    continue;
                }
                NetRequest.EndpointSettings s = settingsFor(req, n);
                checkSettings(n, s);
                eps.add(new Endpoint(containerId, n.id(), s.aliases(), s.ipv4(), s.mac(), null, null, null, null, null, List.of()));
            }
            if (!eps.isEmpty()) {
                store.putAll(eps);
                endpoints.put(containerId, new ArrayList<>(eps));
            }
        } finally {
            lock.unlock();
        }
    }

    private static void checkNoPorts(NetRequest req, String message) {
        if (!req.ports().isEmpty() || req.publishAll()) {
            throw ApiException.badRequest(message);
        }
    }

    private static NetRequest.EndpointSettings settingsFor(NetRequest req, NetworkRecord n) {
        for (var e : req.endpoints().entrySet()) {
            if (e.getKey().equals(n.name()) || e.getKey().equals(n.id()) || n.id().startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return new NetRequest.EndpointSettings(List.of(), null, null);
    }

    private static void checkSettings(NetworkRecord n, NetRequest.EndpointSettings s) {
        if (n.predefined() && !s.aliases().isEmpty()) {
            throw ApiException.badRequest("network-scoped aliases are only supported for user-defined networks");
        }
        if (s.ipv4() != null) {
            if (!n.ipamSubnetGiven() || n.predefined()) {
                throw ApiException.badRequest("user specified IP address is supported only when connecting to networks with user configured subnets");
            }
            if (!n.subnetNet().contains(Ipv4Net.parseAddress(s.ipv4()))) {
                throw ApiException.badRequest("no configured subnet or ip-range contain the IP address " + s.ipv4());
            }
        }
    }

    /**
     * Sets up the container's network before its process starts and returns what its runtime
     * spec's network namespace is: a path to join, {@code host}, or null for a fresh one with
     * loopback only (runc's). Writes the container's hosts and resolv.conf.
     */
    public String sandbox(ContainerNet c) {
        try {
            return makeSandbox(c);
        } catch (IOException | SQLException e) {
            throw new ApiException(500, "failed to set up container networking: " + e.getMessage(), e);
        }
    }

    /** Makes and removes containers' pinned network namespaces (in a user namespace with {@code --userns-remap}). */
    public interface Namespaces {
        void create(JsonNode hostConfig, Path file) throws IOException;

        void delete(Path file) throws IOException;
    }

    private volatile Namespaces namespaces = new Namespaces() {
        @Override
        public void create(JsonNode hostConfig, Path file) throws IOException {
            Netns.create(file);
        }

        @Override
        public void delete(Path file) throws IOException {
            Netns.delete(file);
        }
    };

    /** Replaces how network namespaces are made (before {@link #start}). */
    public void setNamespaces(Namespaces n) {
        this.namespaces = n;
    }

        /** The network namespace for the runtime spec: a path to join, {@code host}, or null for a new one. */
    public String namespaceOf(String containerId, JsonNode hostConfig) {
        String mode = hostConfig == null ? "" : hostConfig.path("NetworkMode").asText("");
        if (mode.equals("host")) {
            return "host";
        }
        if (mode.startsWith("container:")) {
            ContainerView.Info other = containers.find(mode.substring("container:".length()));
            if (Files.exists(netnsPath(other.id()))) {
                return netnsPath(other.id()).toString();
            }
            NetRequest otherReq = NetRequest.parse(containers.byId(other.id()).hostConfig(), null, null);
            return otherReq.isHost() ? "host" : Path.of("/proc", Long.toString(other.pid()), "ns", "net").toString();
        }
        Path ns = netnsPath(containerId);
        return Files.exists(ns) ? ns.toString() : mode;
    }

    /** Writes the container's hostname, hosts and resolv.conf as at create (no address yet). */
    public void writeFiles(ContainerNet c) throws IOException {
        NetRequest req = NetRequest.parse(c.hostConfig(), null, c.macAddress());
        boolean user = endpointsOf(c.id()).stream().anyMatch(e -> isUserNetwork(e.networkId()));
        ContainerFiles.write(c.filesDir(), new ContainerFiles.Spec(c.hostname(), c.domainname(), req.isHost(), user, null,
                req, hostGateway()));
    }

    private String makeSandbox(ContainerNet c) throws IOException, SQLException {
        NetRequest req = NetRequest.parse(c.hostConfig(), null, c.macAddress());
        String hostGateway = hostGateway();
        if (req.isHost()) {
            ContainerFiles.write(c.filesDir(), new ContainerFiles.Spec(c.hostname(), c.domainname(), true, false, null, req, hostGateway));
            return "host";
        }
        if (req.isContainerMode()) {
            ContainerView.Info other = containers.find(req.mode().substring("container:".length()));
            if (!other.running()) {
                throw ApiException.conflict("cannot join network namespace of a non running container: container "
                        + other.id() + " is not running");
            }
            ContainerFiles.write(c.filesDir(), new ContainerFiles.Spec(c.hostname(), c.domainname(), false,
                    endpointsOf(other.id()).stream().anyMatch(e -> isUserNetwork(e.networkId())), null, req, hostGateway));
            if (Files.exists(netnsPath(other.id()))) {
                return netnsPath(other.id()).toString();
            }
            return Path.of("/proc", Long.toString(other.pid()), "ns", "net").toString();
        }
        List<Endpoint> eps = endpointsOf(c.id());
        if (eps.isEmpty()) {
            ContainerFiles.write(c.filesDir(), new ContainerFiles.Spec(c.hostname(), c.domainname(), false, false, null, req, hostGateway));
            return null;
        }
        release(c.id()); // a run that was never released (crash) must not hold on to its old addresses
        Path ns = netnsPath(c.id());
        List<Endpoint> live = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            live = allocate(c.id(), eps);
            long t1 = System.nanoTime();
            namespaces.create(c.hostConfig(), ns);
            long t2 = System.nanoTime();
            List<BridgeDriver.Link> links = new ArrayList<>();
            boolean routed = false;
            for (Endpoint e : live) {
                NetworkRecord n = networks.get(e.networkId());
                boolean route = !routed && !n.internal();
                routed |= route;
                links.add(new BridgeDriver.Link(e.ifname(), e.veth(), n, e.ip(), e.mac(), route));
            }
            bridges.plug(ns, links, true);
            long t3 = System.nanoTime();
            boolean user = live.stream().anyMatch(e -> isUserNetwork(e.networkId()));
            if (user) {
                dns.listen(c.id(), ns, req.dns());
            }
            List<PortBinding> published = publish(c, req, live.getFirst());
            if (!published.isEmpty()) {
                Endpoint first = live.getFirst();
                Endpoint withPorts = first.withLive(first.ip(), first.mac(), first.endpointId(), first.veth(), first.ifname(), published);
                store.put(withPorts);
                replaceEndpoint(withPorts);
                applyFirewall();
            }
            ContainerFiles.write(c.filesDir(), new ContainerFiles.Spec(c.hostname(), c.domainname(), false, user,
                    live.getFirst().ip(), req, hostGateway));
            long t4 = System.nanoTime();
            LOG.fine(() -> String.format("network of %s ms: ipam %.1f, netns %.1f, veth %.1f, dns/ports/files %.1f",
                    c.id().substring(0, 12), (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6));
            for (Endpoint e : live) {
                event("connect", networks.get(e.networkId()), c.id());
            }
            return ns.toString();
        } catch (IOException | SQLException | RuntimeException e) {
            release(c.id());
            throw e;
        }
    }

    /** The host's address as containers reach it, for {@code --add-host name:host-gateway}. */
    private String hostGateway() {
        lock.lock();
        try {
            NetworkRecord b = byName("bridge");
            if (b != null && b.isBridge()) {
                return b.gateway();
            }
            return networks.values().stream().filter(NetworkRecord::isBridge).map(NetworkRecord::gateway).findFirst().orElse(null);
        } finally {
            lock.unlock();
        }
    }

    /** Gives each endpoint an address, MAC, veth and interface name, stored in one transaction. */
    private List<Endpoint> allocate(String containerId, List<Endpoint> eps) throws SQLException {
        lock.lock();
        try {
            List<Endpoint> out = new ArrayList<>();
            int index = 0;
            for (Endpoint e : eps) {
                NetworkRecord n = networks.get(e.networkId());
                if (n == null) {
                    throw ApiException.notFound("network " + e.networkId() + " not found");
                }
                String ip = e.fixedIp() != null ? e.fixedIp() : freeAddress(n, containerId);
                if (e.fixedIp() != null && usedAddresses(n.id(), containerId).contains(Ipv4Net.parseAddress(ip))) {
                    throw ApiException.conflict("failed to set up container networking: Address already in use: " + ip);
                }
                String mac = e.fixedMac() != null ? e.fixedMac() : BridgeDriver.macFor(ip);
                out.add(e.withLive(ip, mac, newId(), "veth" + newId().substring(0, 7), "eth" + index++, List.of()));
            }
            if (!store.putAll(out)) {
                throw ApiException.conflict("failed to set up container networking: Address already in use");
            }
            endpoints.put(containerId, new ArrayList<>(out));
            return out;
        } finally {
            lock.unlock();
        }
    }

    private Set<Integer> usedAddresses(String networkId, String exceptContainer) {
        Set<Integer> used = new HashSet<>();
        for (var en : endpoints.entrySet()) {
            if (en.getKey().equals(exceptContainer)) {
                continue;
            }
            for (Endpoint x : en.getValue()) {
                if (x.networkId().equals(networkId) && x.live()) {
                    used.add(Ipv4Net.parseAddress(x.ip()));
                }
            }
        }
        return used;
    }

    /** The lowest free address of the network's range: not the network, broadcast or gateway address. */
    private String freeAddress(NetworkRecord n, String containerId) {
        Ipv4Net subnet = n.subnetNet();
        Ipv4Net range = n.ipRange() != null ? Ipv4Net.parse(n.ipRange()) : subnet;
        Set<Integer> used = usedAddresses(n.id(), containerId);
        used.add(Ipv4Net.parseAddress(n.gateway()));
        used.add(subnet.first());
        used.add(subnet.last());
        for (long a = Integer.toUnsignedLong(range.first()); a <= Integer.toUnsignedLong(range.last()); a++) {
            if (!used.contains((int) a)) {
                return Ipv4Net.format((int) a);
            }
        }
        throw ApiException.conflict("no available IPv4 addresses on network " + n.name());
    }

    private void replaceEndpoint(Endpoint e) {
        lock.lock();
        try {
            List<Endpoint> l = endpoints.get(e.containerId());
            if (l != null) {
                l.replaceAll(x -> x.networkId().equals(e.networkId()) ? e : x);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Binds the published ports (host port first, so a port in use fails before any rule exists). */
    private List<PortBinding> publish(ContainerNet c, NetRequest req, Endpoint ep) throws IOException {
        List<NetRequest.Requested> wanted = new ArrayList<>(req.ports());
        if (req.publishAll() && c.exposedPorts() != null) {
            for (String key : c.exposedPorts().keySet()) {
                int slash = key.indexOf('/');
                String proto = slash < 0 ? "tcp" : key.substring(slash + 1);
                int port = Integer.parseInt(slash < 0 ? key : key.substring(0, slash));
                if (wanted.stream().noneMatch(w -> w.containerPort() == port && w.proto().equals(proto))) {
                    wanted.add(new NetRequest.Requested(proto, port, "0.0.0.0", 0, 0));
                }
            }
        }
        List<PortBinding> out = new ArrayList<>();
        List<PortProxy> opened = new ArrayList<>();
        proxies.put(c.id(), opened);
        for (NetRequest.Requested w : wanted) {
            InetSocketAddress target = new InetSocketAddress(ep.ip(), w.containerPort());
            PortProxy p = null;
            IOException last = null;
            for (int port = w.hostPort(); port <= w.hostPortEnd() && p == null; port++) {
                try {
                    p = PortProxy.open(w.proto(), w.hostIp(), port, target);
                } catch (IOException e) {
                    last = e;
                }
            }
            if (p == null) {
                String hp = w.hostPort() == w.hostPortEnd() ? Integer.toString(w.hostPort()) : w.hostPort() + "-" + w.hostPortEnd();
                throw new ApiException(500, "driver failed programming external connectivity on endpoint: failed to bind host port "
                                + w.hostIp() + ":" + hp + "/" + w.proto() + ": "
                        + (last == null ? "no port free" : last.getMessage().toLowerCase(java.util.Locale.ROOT)));
            }
            opened.add(p);
            out.add(new PortBinding(w.proto(), w.containerPort(), w.hostIp(), p.port()));
        }
        return out;
    }

    /**
     * Tears down a stopped container's network: DNS listener, port proxies and rules, the
     * namespace (its veths go with it), and frees its addresses. Safe to call more than once.
     */
    public void release(String containerId) {
        dns.stop(containerId);
        List<PortProxy> ps = proxies.remove(containerId);
        if (ps != null) {
            ps.forEach(PortProxy::close);
        }
        boolean hadPorts = false;
        List<String> publishedIps = new ArrayList<>();
        List<NetworkRecord> left = new ArrayList<>();
        lock.lock();
        try {
            List<Endpoint> eps = endpoints.get(containerId);
            if (eps != null && eps.stream().anyMatch(Endpoint::live)) {
                hadPorts = eps.stream().anyMatch(e -> !e.ports().isEmpty());
                eps.stream().filter(e -> e.live() && !e.ports().isEmpty()).forEach(e -> publishedIps.add(e.ip()));
                eps.stream().filter(Endpoint::live).forEach(e -> left.add(networks.get(e.networkId())));
                List<Endpoint> released = eps.stream().map(Endpoint::released).toList();
                store.putAll(released);
                endpoints.put(containerId, new ArrayList<>(released));
            }
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "releasing addresses of " + containerId, e);
        } finally {
            lock.unlock();
        }
        try {
            namespaces.delete(netnsPath(containerId));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "removing the network namespace of " + containerId, e);
        }
        if (hadPorts) {
            applyFirewall();
            firewall.forgetFlows(publishedIps);
        }
        left.forEach(n -> event("disconnect", n, containerId));
    }

    /** Forgets a removed container's endpoints. */
    public void removed(String containerId) {
        release(containerId);
        lock.lock();
        try {
            if (endpoints.remove(containerId) == null) {
                return; // host, none, container mode: nothing stored, no transaction to pay for
            }
            store.deleteEndpoints(containerId);
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "forgetting endpoints of " + containerId, e);
        } finally {
            lock.unlock();
        }
    }

    /** For the {@code network} filter of container lists: the container is on the network named or with that ID. */
    public boolean isAttached(String containerId, JsonNode hostConfig, String networkRef) {
        String mode = hostConfig == null ? "" : hostConfig.path("NetworkMode").asText("");
        lock.lock();
        try {
            if (mode.equals("host") || mode.equals("none")) {
                NetworkRecord n = byName(mode);
                return mode.equals(networkRef) || n != null && n.id().equals(networkRef);
            }
            for (Endpoint e : endpoints.getOrDefault(containerId, List.of())) {
                NetworkRecord n = networks.get(e.networkId());
                if (n != null && (n.name().equals(networkRef) || n.id().equals(networkRef))) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    // ---- connect / disconnect ----

    public void connect(String networkRef, String containerRef, NetRequest.EndpointSettings s, JsonNode hostConfig)
            throws IOException, SQLException {
        NetworkRecord n = find(networkRef);
        ContainerView.Info c = containers.find(containerRef);
        NetRequest req = NetRequest.parse(hostConfig, null, null);
        if (req.isHost() || req.isNone() || req.isContainerMode() || !n.isBridge()) {
            if (!n.isBridge() || req.isHost()) {
                throw new ApiException(403, "container cannot be disconnected from host network or connected to host network");
            }
            throw new ApiException(403, "container sharing network namespace with another container or host cannot be connected to any other network");
        }
        checkSettings(n, s);
        Endpoint e;
        lock.lock();
        try {
            List<Endpoint> eps = endpoints.computeIfAbsent(c.id(), k -> new ArrayList<>());
            if (eps.stream().anyMatch(x -> x.networkId().equals(n.id()))) {
                throw new ApiException(403, "endpoint with name " + c.name() + " already exists in network " + n.name());
            }
            e = new Endpoint(c.id(), n.id(), s.aliases(), s.ipv4(), s.mac(), null, null, null, null, null, List.of());
            if (c.running() && Files.exists(netnsPath(c.id()))) {
                String ip = e.fixedIp() != null ? e.fixedIp() : freeAddress(n, c.id());
                if (usedAddresses(n.id(), c.id()).contains(Ipv4Net.parseAddress(ip))) {
                    throw ApiException.conflict("Address already in use: " + ip);
                }
                int index = 0;
                while (true) {
                    String name = "eth" + index;
                    if (eps.stream().noneMatch(x -> name.equals(x.ifname()))) {
                        break;
                    }
                    index++;
                }
                e = e.withLive(ip, e.fixedMac() != null ? e.fixedMac() : BridgeDriver.macFor(ip), newId(),
                        "veth" + newId().substring(0, 7), "eth" + index, List.of());
            }
            if (!store.put(e)) {
                throw ApiException.conflict("Address already in use: " + e.ip());
            }
            eps.add(e);
        } finally {
            lock.unlock();
        }
        if (e.live()) {
            try {
                Path ns = netnsPath(c.id());
                boolean routed = endpointsOf(c.id()).stream().anyMatch(x -> x.live() && x != null
                        && !x.networkId().equals(n.id()) && !networks.get(x.networkId()).internal());
                bridges.plug(ns, List.of(new BridgeDriver.Link(e.ifname(), e.veth(), n, e.ip(), e.mac(), !routed && !n.internal())), false);
                if (isUserNetwork(n.id())) {
                    dns.listen(c.id(), ns, req.dns());
                }
            } catch (IOException | RuntimeException x) {
                lock.lock();
                try {
                    store.deleteEndpoint(c.id(), n.id());
                    endpoints.get(c.id()).removeIf(y -> y.networkId().equals(n.id()));
                } finally {
                    lock.unlock();
                }
                throw x;
            }
            event("connect", n, c.id()); // as Docker: a stopped container connects when it starts
        }
    }

    public void disconnect(String networkRef, String containerRef, boolean force) throws IOException, SQLException {
        NetworkRecord n = find(networkRef);
        ContainerView.Info c = containers.find(containerRef);
        if (!n.isBridge()) {
            throw new ApiException(403, "container cannot be disconnected from host network or connected to host network");
        }
        Endpoint e;
        lock.lock();
        try {
            List<Endpoint> eps = endpoints.getOrDefault(c.id(), List.of());
            e = eps.stream().filter(x -> x.networkId().equals(n.id())).findFirst().orElse(null);
            if (e == null) {
                throw new ApiException(403, "container " + c.id() + " is not connected to network " + n.name());
            }
            if (!e.ports().isEmpty()) {
                // the published ports go with the endpoint that carries them
                List<PortProxy> ps = proxies.remove(c.id());
                if (ps != null) {
                    ps.forEach(PortProxy::close);
                }
            }
            store.deleteEndpoint(c.id(), n.id());
            eps.remove(e);
        } finally {
            lock.unlock();
        }
        if (e.live()) {
            try {
                bridges.unplug(netnsPath(c.id()), e.ifname());
            } catch (IOException x) {
                LOG.log(Level.WARNING, "removing " + e.ifname() + " from " + c.id(), x);
            }
            if (endpointsOf(c.id()).stream().noneMatch(x -> x.live() && isUserNetwork(x.networkId()))) {
                dns.stop(c.id());
            }
            if (!e.ports().isEmpty()) {
                applyFirewall();
            }
        }
        event("disconnect", n, c.id()); // Docker reports it for stopped containers too
    }

    // ---- firewall ----

    /** Rewrites the firewall from the current networks and published ports. */
    void applyFirewall() {
        List<NetworkRecord> brs;
        List<Firewall.PortRule> rules = new ArrayList<>();
        lock.lock();
        try {
            brs = list().stream().filter(NetworkRecord::isBridge).toList();
            for (List<Endpoint> eps : endpoints.values()) {
                for (Endpoint e : eps) {
                    NetworkRecord n = networks.get(e.networkId());
                    if (!e.live() || n == null) {
                        continue;
                    }
                    for (PortBinding b : e.ports()) {
                        rules.add(new Firewall.PortRule(b.proto(), b.hostIp(), b.hostPort(), e.ip(), b.containerPort(), n.device()));
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        firewallLock.lock();
        try {
            firewall.apply(brs, rules);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "applying iptables rules", e);
        } finally {
            firewallLock.unlock();
        }
    }

    // ---- DNS ----

    @Override
    public List<String> resolve(String containerId, String name) {
        String q = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        lock.lock();
        try {
            Set<String> nets = new HashSet<>();
            for (Endpoint e : endpoints.getOrDefault(containerId, List.of())) {
                if (e.live() && isUserNetwork(e.networkId())) {
                    nets.add(e.networkId());
                }
            }
            List<String> out = new ArrayList<>();
            for (var en : endpoints.entrySet()) {
                for (Endpoint e : en.getValue()) {
                    if (!e.live() || !nets.contains(e.networkId()) || out.contains(e.ip())) {
                        continue;
                    }
                    if (dnsNames(e).stream().anyMatch(x -> x.equalsIgnoreCase(q))) {
                        out.add(e.ip());
                    }
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String reverse(String containerId, String ip) {
        lock.lock();
        try {
            Set<String> nets = new HashSet<>();
            for (Endpoint e : endpoints.getOrDefault(containerId, List.of())) {
                if (e.live() && isUserNetwork(e.networkId())) {
                    nets.add(e.networkId());
                }
            }
            for (List<Endpoint> eps : endpoints.values()) {
                for (Endpoint e : eps) {
                    if (e.live() && nets.contains(e.networkId()) && e.ip().equals(ip)) {
                        ContainerView.Info c = containers.byId(e.containerId());
                        return (c == null ? e.containerId().substring(0, 12) : c.name()) + "." + networks.get(e.networkId()).name();
                    }
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Docker's DNSNames of an endpoint on a user-defined network: name, aliases, short ID. */
    List<String> dnsNames(Endpoint e) {
        List<String> out = new ArrayList<>();
        ContainerView.Info c = containers.byId(e.containerId());
        if (c != null) {
            out.add(c.name());
        }
        out.addAll(e.aliases());
        out.add(e.containerId().substring(0, 12));
        return out;
    }

    // ---- inspect ----

    /** {@code NetworkSettings} of a container's inspect, as Docker fills it. */
    public Map<String, Object> settings(String containerId, JsonNode hostConfig, Map<String, Object> exposedPorts, boolean running) {
        return json.settings(containerId, hostConfig, exposedPorts, running);
    }

    /** {@code Ports} of a container in {@code GET /containers/json}. */
    public List<Map<String, Object>> portSummary(String containerId, Map<String, Object> exposedPorts, boolean running) {
        return json.portSummary(containerId, exposedPorts, running);
    }

    /** Networks of a container in {@code GET /containers/json}. */
    public Map<String, Object> networksSummary(String containerId, JsonNode hostConfig) {
        return json.networksSummary(containerId, hostConfig);
    }

    NetworkRecord network(String id) {
        return networks.get(id);
    }

    NetworkRecord named(String name) {
        lock.lock();
        try {
            return byName(name);
        } finally {
            lock.unlock();
        }
    }

    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
