package dev.berth.daemon.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * berthd's network settings ({@code --bridge}, {@code --bip}, {@code --default-address-pools},
 * {@code --iptables}, {@code --ip-forward}).
 *
 * @param bridge   the default bridge's device name, or {@code none} for no default bridge network
 * @param bip      the default bridge's gateway address and prefix ({@code 10.210.0.1/24}), or null to pick
 *                 a free subnet from {@code pools}
 * @param pools    where subnets of networks created without one come from
 * @param iptables manage forwarding, masquerading and published ports with iptables
 * @param ipForward turn on the kernel's IPv4 forwarding at start
 */
public record NetworkConfig(String bridge, String bip, List<Pool> pools, boolean iptables, boolean ipForward) {
    /** The device name of the default bridge when none is given. */
    public static final String DEFAULT_BRIDGE = "berth0";
    /**
     * Docker's own defaults are 172.17.0.0/16 and up, and docker0 takes the first: berthd's pools
     * skip 172.17 and every subnet already routed on the host, so both engines can run side by side.
     */
    public static final List<Pool> DEFAULT_POOLS = List.of(new Pool(Ipv4Net.parse("172.18.0.0/15"), 16),
            new Pool(Ipv4Net.parse("172.20.0.0/14"), 16), new Pool(Ipv4Net.parse("172.24.0.0/13"), 16),
            new Pool(Ipv4Net.parse("192.168.0.0/16"), 20));
    /** No default bridge and no firewall rules: containers without a network get loopback only. */
    public static final NetworkConfig DISABLED = new NetworkConfig("none", null, DEFAULT_POOLS, false, false);

    /** One {@code --default-address-pools base=10.10.0.0/16,size=24}. */
    public record Pool(Ipv4Net base, int size) {
        public Pool {
            if (size < base.prefix() || size > 30) {
                throw new IllegalArgumentException("invalid pool size " + size + " for " + base);
            }
        }

        /** {@code base=CIDR,size=N}. */
        public static Pool parse(String s) {
            Ipv4Net base = null;
            int size = -1;
            for (String part : s.split(",")) {
                String[] kv = part.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("invalid address pool: " + s);
                }
                switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                    case "base" -> base = Ipv4Net.parse(kv[1].trim()).network();
                    case "size" -> size = Integer.parseInt(kv[1].trim());
                    default -> throw new IllegalArgumentException("invalid address pool key " + kv[0] + " in " + s);
                }
            }
            if (base == null || size < 0) {
                throw new IllegalArgumentException("address pool needs base and size: " + s);
            }
            return new Pool(base, size);
        }
    }

    public NetworkConfig {
        if (bridge == null || bridge.isEmpty()) {
            bridge = DEFAULT_BRIDGE;
        }
        if (!bridge.equals("none") && !bridge.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}")) {
            throw new IllegalArgumentException("invalid bridge name " + bridge + ": at most 15 letters, digits, '_', '.', '-'");
        }
        if (bip != null && !bip.isEmpty()) {
            Ipv4Net.parse(bip);
        }
        pools = pools == null || pools.isEmpty() ? DEFAULT_POOLS : List.copyOf(pools);
    }

    /** The flags' defaults. */
    public static NetworkConfig defaults() {
        return new NetworkConfig(DEFAULT_BRIDGE, null, DEFAULT_POOLS, true, true);
    }

    public boolean defaultBridge() {
        return !bridge.equals("none");
    }

    /**
     * Names of berthd's own iptables chains start with this. A berthd on a bridge of another name
     * gets chains of its own, so that several engines (tests) never touch each other's rules.
     */
    public String chainPrefix() {
        if (bridge.equals(DEFAULT_BRIDGE) || bridge.equals("none")) {
            return "BERTH";
        }
        return "BERTH-" + bridge.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "");
    }

    public static List<Pool> parsePools(List<String> specs) {
        List<Pool> out = new ArrayList<>();
        for (String s : specs) {
            out.add(Pool.parse(s));
        }
        return out;
    }
}
