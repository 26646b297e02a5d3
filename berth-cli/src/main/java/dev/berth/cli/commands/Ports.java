package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** docker's DisplayablePorts for the PORTS column (without its range folding). */
final class Ports {
    private Ports() {}

    static String display(JsonNode ports) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : ports) {
            String type = p.path("Type").asText("tcp");
            int priv = p.path("PrivatePort").asInt();
            if (p.hasNonNull("PublicPort") && p.path("PublicPort").asInt() > 0) {
                String ip = p.path("IP").asText("");
                String host = ip.contains(":") ? "[" + ip + "]" : ip;
                out.add(host + ":" + p.path("PublicPort").asInt() + "->" + priv + "/" + type);
            } else {
                out.add(priv + "/" + type);
            }
        }
        return String.join(", ", out);
    }
}
