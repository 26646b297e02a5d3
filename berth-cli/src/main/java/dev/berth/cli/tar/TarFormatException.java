package dev.berth.cli.tar;

import java.io.IOException;

/** The bytes are not a tar archive this reader understands (bad checksum, truncated, bad number). */
public final class TarFormatException extends IOException {
    public TarFormatException(String message) {
        super(message);
    }
}
