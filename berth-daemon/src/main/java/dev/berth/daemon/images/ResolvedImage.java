package dev.berth.daemon.images;

import dev.berth.oci.ImageConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * An image found by {@link ImageLookup}: its ID ({@code sha256:...}), its parsed config, and the
 * extracted directory of each layer, bottom layer first (overlay's lowerdir lists them top first).
 */
public record ResolvedImage(String id, ImageConfig config, List<Path> layerDirs) {
    public ResolvedImage {
        layerDirs = List.copyOf(layerDirs);
    }
}
