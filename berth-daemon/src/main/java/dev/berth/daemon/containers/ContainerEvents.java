package dev.berth.daemon.containers;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where the container services report lifecycle events ({@code docker events}). */
@FunctionalInterface
public interface ContainerEvents {
    ContainerEvents NONE = (type, action, id, attributes) -> {};

    /** One event: Docker's Type, Action, Actor.ID and Actor.Attributes. */
    void publish(String type, String action, String actorId, Map<String, String> attributes);

    /** A container event with Docker's attributes: the container's labels, its image and name, then {@code extra} pairs. */
    default void container(ContainerRecord r, String action, String... extra) {
        Map<String, String> a = new LinkedHashMap<>();
        if (r.config() != null && r.config().labels() != null) {
            a.putAll(r.config().labels());
        }
        a.put("image", r.imageRef() != null ? r.imageRef() : r.image());
        a.put("name", r.name().startsWith("/") ? r.name().substring(1) : r.name());
        for (int i = 0; i + 1 < extra.length; i += 2) {
            a.put(extra[i], extra[i + 1]);
        }
        publish("container", action, r.id(), a);
    }
}
