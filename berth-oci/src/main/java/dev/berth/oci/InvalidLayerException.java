package dev.berth.oci;

import java.io.IOException;

/**
 * A layer archive that cannot be extracted safely: malformed, truncated, or hostile (a path that
 * escapes the layer, a write through a symlink, a hard link to something outside the layer).
 * The fault is in the input, so APIs report it as a client error.
 */
public final class InvalidLayerException extends IOException {
    public InvalidLayerException(String message) {
        super(message);
    }

    public InvalidLayerException(String message, Throwable cause) {
        super(message, cause);
    }
}
