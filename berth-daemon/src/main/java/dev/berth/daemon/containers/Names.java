package dev.berth.daemon.containers;

import java.security.SecureRandom;
import java.util.List;

/** Random container names in Docker's {@code adjective_noun} style, from Berth's own word lists. */
final class Names {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> LEFT = List.of("amber", "brave", "calm", "clever", "daring", "eager", "fancy",
            "gentle", "happy", "jolly", "keen", "lively", "lucid", "merry", "nimble", "patient", "quiet", "rapid",
            "serene", "steady", "swift", "tidy", "vivid", "wise", "zesty", "bold", "crisp", "deft", "fair", "glad");
    private static final List<String> RIGHT = List.of("anchor", "beacon", "buoy", "cabin", "compass", "current",
            "dock", "ferry", "galley", "harbor", "hull", "jetty", "keel", "lagoon", "mast", "mooring", "narrows",
            "pier", "quay", "reef", "rudder", "sail", "schooner", "skiff", "tide", "wharf", "wake", "bay", "cove", "helm");

    private Names() {}

    /** A fresh name; with {@code suffix} a digit is appended to widen the space after collisions. */
    static String random(boolean suffix) {
        String n = LEFT.get(RANDOM.nextInt(LEFT.size())) + "_" + RIGHT.get(RANDOM.nextInt(RIGHT.size()));
        return suffix ? n + RANDOM.nextInt(10) : n;
    }
}
