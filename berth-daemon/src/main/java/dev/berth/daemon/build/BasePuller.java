package dev.berth.daemon.build;

import dev.berth.daemon.images.ImageService;
import dev.berth.oci.ImageReference;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Pulls a build's base image for {@code platform} (null: the host's, without insisting on it),
 * writing docker's progress messages to {@code out}; returns its ID.
 */
@FunctionalInterface
public interface BasePuller {
    String pull(ImageReference ref, ImageService.Platform platform, OutputStream out) throws IOException;
}
