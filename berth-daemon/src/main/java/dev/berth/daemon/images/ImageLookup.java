package dev.berth.daemon.images;

/**
 * What the rest of the daemon needs from the image store: turning a reference into an image
 * whose layers are on disk. Implemented by the image service.
 */
public interface ImageLookup {
    /**
     * Resolves a reference as docker does: {@code name[:tag]} (normalised, {@code busybox} is
     * {@code docker.io/library/busybox:latest}), {@code name@digest}, a full or short image ID
     * (with or without {@code sha256:}).
     *
     * @throws dev.berth.daemon.api.ApiException 404 {@code No such image: <reference>}
     */
    ResolvedImage resolve(String reference);
}
