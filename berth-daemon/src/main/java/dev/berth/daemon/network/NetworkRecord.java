package dev.berth.daemon.network;

import java.util.Map;

/**
 * One network as stored.
 *
 * @param driver   {@code bridge}, {@code host} or {@code null} (Docker's names)
 * @param device   the bridge device ({@code berth0}, {@code br-<id12>}); empty for host and null
 * @param subnet   the network's prefix ({@code 10.210.1.0/24}); null for host and null
 * @param gateway  the bridge's own address in the subnet
 * @param ipRange  where container addresses are taken from (within the subnet), or null for all of it
 * @param ipamSubnetGiven the client chose the subnet (inspect shows only what was chosen or allocated)
 * @param predefined {@code bridge}, {@code host}, {@code none}: cannot be removed
 */
public record NetworkRecord(
        String id,
        String name,
        String driver,
        String created,
        String device,
        String subnet,
        String gateway,
        String ipRange,
        boolean ipamSubnetGiven,
        boolean internal,
        boolean attachable,
        int mtu,
        Map<String, String> labels,
        Map<String, String> options,
        boolean predefined) {

    public boolean isBridge() {
        return "bridge".equals(driver);
    }

    /** The default network: containers without --network join it. */
    public boolean isDefaultBridge() {
        return predefined && isBridge();
    }

    public Ipv4Net subnetNet() {
        return Ipv4Net.parse(subnet);
    }
}
