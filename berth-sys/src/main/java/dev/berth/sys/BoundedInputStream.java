package dev.berth.sys;

import java.io.IOException;
import java.io.InputStream;

/** The next {@code length} bytes of a stream, which must have them: one that ends sooner fails with {@code early}. */
public final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private final String early;
    private long remaining;

    public BoundedInputStream(InputStream in, long length, String early) {
        this.in = in;
        this.remaining = length;
        this.early = early;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
            return len == 0 ? 0 : -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new IOException(early);
        }
        remaining -= n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
