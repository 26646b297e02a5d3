package dev.berth.daemon.network;

import java.util.List;

/**
 * A container's membership of one network. The settings (aliases, a fixed address) last as long as
 * the container; the live part (address, MAC, endpoint ID, host veth, published ports) exists
 * only while the container runs.
 *
 * @param aliases    the client's --network-alias names
 * @param fixedIp    the client's --ip, or null
 * @param fixedMac   the client's --mac-address, or null
 * @param ip         the address in use, or null when not running
 * @param ifname     the interface's name inside the container ({@code eth0})
 * @param ports      ports published through this endpoint (default bridge or first network)
 */
public record Endpoint(
        String containerId,
        String networkId,
        List<String> aliases,
        String fixedIp,
        String fixedMac,
        String ip,
        String mac,
        String endpointId,
        String veth,
        String ifname,
        List<PortBinding> ports) {

    public boolean live() {
        return ip != null;
    }

    public Endpoint withLive(String ip, String mac, String endpointId, String veth, String ifname, List<PortBinding> ports) {
        return new Endpoint(containerId, networkId, aliases, fixedIp, fixedMac, ip, mac, endpointId, veth, ifname, ports);
    }

    public Endpoint released() {
        return new Endpoint(containerId, networkId, aliases, fixedIp, fixedMac, null, null, null, null, null, List.of());
    }
}
