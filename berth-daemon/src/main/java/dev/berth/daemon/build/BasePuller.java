package dev.berth.daemon.build;

import dev.berth.oci.ImageReference;

import java.io.IOException;
import java.io.OutputStream;

/** Pulls a build's base image, writing docker's progress messages to {@code out}; returns its ID. */
@FunctionalInterface
public interface BasePuller {
    String pull(ImageReference ref, OutputStream out) throws IOException;
}
