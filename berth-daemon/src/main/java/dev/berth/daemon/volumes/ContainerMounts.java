package dev.berth.daemon.volumes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.runtime.RuntimeSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** What the container service asks of the volume service over a container's life. */
public interface ContainerMounts {
    /**
     * At create: validates the container's mount requests and records its mount points, creating
     * the volumes it names or needs. 400 (or 404 for an unknown {@code --volumes-from}) with
     * Docker's messages; nothing is recorded then.
     *
     * @param configVolumes the {@code Volumes} of the client's config and of the image
     * @param containerIdOf a container reference to its ID (404 when unknown)
     */
    void create(String containerId, JsonNode hostConfig, Set<String> configVolumes, Function<String, String> containerIdOf)
            throws IOException;

    /**
     * At start, with the root filesystem mounted: makes every source ready (device volumes
     * mounted, empty volumes filled from the image, missing {@code -v} bind sources made) and
     * returns the OCI mounts, parents first.
     */
    List<RuntimeSpec.Mount> start(String containerId, Path rootfs) throws IOException;

    /** The container stopped running (called on every way out of running; more than once is harmless). */
    default void stopped(String containerId) {
    }

    /** After the container is removed: its references go; {@code removeVolumes} also removes its anonymous volumes. */
    void removed(String containerId, boolean removeVolumes);

    /** The container's mount points as inspect lists them. */
    List<MountPoint> mounts(String containerId);

    /**
     * For the archive API on a container that is not running: its volume and bind mounts as OCI
     * binds (volumes made ready, missing bind sources left out, nothing copied up), parents first.
     */
    default List<RuntimeSpec.Mount> archiveMounts(String containerId) throws IOException {
        return List.of();
    }

    /** Docker's merge of Config {@code Volumes}: the client's, plus the image's not already there. */
    static Map<String, Object> union(Map<String, Object> client, Map<String, Object> image) {
        Map<String, Object> out = new java.util.LinkedHashMap<>(client);
        if (image != null) {
            image.forEach(out::putIfAbsent);
        }
        return out;
    }

    /** Until a volume service is wired: refuses mounts (a missing volume is worse than an error) and ignores image volumes. */
    ContainerMounts NONE = new ContainerMounts() {
        @Override
        public void create(String containerId, JsonNode hc, Set<String> configVolumes, Function<String, String> idOf) {
            for (String f : List.of("Binds", "Mounts", "VolumesFrom", "Tmpfs")) {
                if (hc.path(f).size() > 0) {
                    throw ApiException.badRequest("volumes and bind mounts are not supported by this berthd");
                }
            }
        }

        @Override
        public List<RuntimeSpec.Mount> start(String containerId, Path rootfs) {
            return List.of();
        }

        @Override
        public void removed(String containerId, boolean removeVolumes) {
            // nothing recorded
        }

        @Override
        public List<MountPoint> mounts(String containerId) {
            return List.of();
        }
    };
}
