package dev.berth.daemon.network;

/** What the network service needs to know about containers, without owning them. */
public interface ContainerView {
    /** One container as the network service sees it. {@code name} has no leading slash. */
    record Info(String id, String name, boolean running, long pid, com.fasterxml.jackson.databind.JsonNode hostConfig) {}

    /** Docker's lookup (ID, name, unique prefix); throws the API's 404 when there is none. */
    Info find(String ref);

    /** The container with exactly this ID, or null. */
    Info byId(String id);
}
