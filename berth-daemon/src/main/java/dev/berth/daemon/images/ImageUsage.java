package dev.berth.daemon.images;

import java.util.List;

/** Which containers use an image, so a delete can refuse with 409. Implemented by the container service. */
public interface ImageUsage {
    /** IDs of containers (running or not) created from image {@code imageId}. */
    List<String> containersUsing(String imageId);

    /** IDs of running containers created from image {@code imageId}. */
    List<String> runningContainersUsing(String imageId);
}
