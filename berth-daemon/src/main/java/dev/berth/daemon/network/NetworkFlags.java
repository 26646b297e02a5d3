package dev.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** berthd's network flags and their daemon.json names ({@code bridge}, {@code bip}, ...), as dockerd reads them. */
public final class NetworkFlags {
    private NetworkFlags() {}

    /** Flags and file together; a setting in both is an error, as for every dockerd directive. */
    public static NetworkConfig resolve(JsonNode file, String bridge, String bip, List<String> pools, Boolean iptables,
                                        Boolean ipForward) {
        List<String> conflicts = new ArrayList<>();
        String br = text(file, "bridge", bridge, conflicts);
        String b = text(file, "bip", bip, conflicts);
        List<NetworkConfig.Pool> ps = new ArrayList<>();
        if (file.has("default-address-pools")) {
            if (pools != null) {
                conflicts.add("default-address-pools");
            }
            for (JsonNode p : file.get("default-address-pools")) {
                ps.add(new NetworkConfig.Pool(Ipv4Net.parse(p.path("base").asText()).network(), p.path("size").asInt()));
            }
        } else if (pools != null) {
            ps.addAll(NetworkConfig.parsePools(pools));
        }
        boolean ipt = bool(file, "iptables", iptables, conflicts);
        boolean fwd = bool(file, "ip-forward", ipForward, conflicts);
        if (!conflicts.isEmpty()) {
            throw new IllegalArgumentException("the following directives are specified both as a flag and in the configuration file: "
                    + String.join(", ", conflicts));
        }
        return new NetworkConfig(br, b, ps, ipt, fwd);
    }

    private static String text(JsonNode file, String key, String flag, List<String> conflicts) {
        if (file.has(key)) {
            if (flag != null) {
                conflicts.add(key);
            }
            return file.get(key).asText();
        }
        return flag;
    }

    private static boolean bool(JsonNode file, String key, Boolean flag, List<String> conflicts) {
        if (file.has(key)) {
            if (flag != null) {
                conflicts.add(key);
            }
            return file.get(key).asBoolean(true);
        }
        return flag == null || flag;
    }
}
