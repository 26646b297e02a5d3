package dev.berth.daemon.containers;

import java.io.IOException;
import java.io.InputStream;

/**
 * Docker's escape proxy for attach and TTY exec input: bytes pass through until the detach
 * sequence has been read; a partial match is held back and passed on as soon as it fails, and the
 * sequence itself is never forwarded.
 */
final class DetachKeys {
    /** Docker's default, {@code ctrl-p,ctrl-q}. */
    static final String DEFAULT = "ctrl-p,ctrl-q";

    private final byte[] keys;

    DetachKeys(byte[] keys) {
        this.keys = keys;
    }

    /** Where the input goes: a container's attach socket or a terminal. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] b, int off, int len) throws IOException;
    }

    /** Copies until the end of {@code from} (false) or the detach sequence (true). */
    boolean copy(InputStream from, Sink to) throws IOException {
        byte[] buf = new byte[8192];
        byte[] out = new byte[8192 + keys.length];
        int matched = 0;
        int n;
        while ((n = from.read(buf)) > 0) {
            int len = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (keys.length > 0 && b == keys[matched]) {
                    matched++;
                    if (matched == keys.length) {
                        if (len > 0) {
                            to.write(out, 0, len);
                        }
                        return true;
                    }
                    continue;
                }
                if (matched > 0) {
                    // the held-back prefix was not the sequence after all
                    System.arraycopy(keys, 0, out, len, matched);
                    len += matched;
                    matched = 0;
                    if (b == keys[0]) {
                        matched = 1;
                        continue;
                    }
                }
                out[len++] = b;
            }
            if (len > 0) {
                to.write(out, 0, len);
            }
        }
        return false;
    }
}
