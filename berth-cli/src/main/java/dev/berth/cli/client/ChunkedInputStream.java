package dev.berth.cli.client;

import java.io.IOException;
import java.io.InputStream;

/** Decodes an HTTP/1.1 chunked body. */
final class ChunkedInputStream extends InputStream {
    private final ChannelStreams.In in;
    private long remaining;
    private boolean done;

    ChunkedInputStream(ChannelStreams.In in) {
        this.in = in;
    }

    private boolean nextChunk() throws IOException {
        if (done) {
            return false;
        }
        if (remaining > 0) {
            return true;
        }
        String line = in.readLine();
        if (line != null && line.isEmpty()) {
            line = in.readLine(); // the CRLF that ends the previous chunk
        }
        if (line == null) {
            throw new IOException("unexpected end of chunked body");
        }
        int semi = line.indexOf(';');
        try {
            remaining = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).strip(), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size: " + line);
        }
        if (remaining == 0) {
            done = true;
            String trailer;
            while ((trailer = in.readLine()) != null && !trailer.isEmpty()) {
                // trailers are ignored
            }
            return false;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!nextChunk()) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new IOException("unexpected end of chunked body");
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(remaining, in.available());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
