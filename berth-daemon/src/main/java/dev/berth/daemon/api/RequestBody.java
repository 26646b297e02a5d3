package dev.berth.daemon.api;

import java.io.InputStream;
import java.nio.channels.ReadableByteChannel;

/**
 * A request body as a handler reads it: a stream, and a channel that fills native memory without
 * a copy of its own. Closing it before its end discards the rest.
 */
abstract class RequestBody extends InputStream implements ReadableByteChannel {
    @Override
    public int read() throws java.io.IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public abstract void close();
}
