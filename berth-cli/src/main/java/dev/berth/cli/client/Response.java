package dev.berth.cli.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP response on its own connection. The body streams from the socket; closing the
 * response closes the connection. After a 101 upgrade, {@link #body()} is the raw stream and
 * {@link #output()} writes to the container.
 */
public final class Response implements AutoCloseable {
    private final Connection channel;
    private final int status;
    private final Map<String, String> headers;
    private final InputStream body;

    Response(Connection channel, int status, Map<String, String> headers, InputStream body) {
        this.channel = channel;
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    public int status() {
        return status;
    }

    /** A header by lower-case name, or null. */
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }

    public InputStream body() {
        return body;
    }

    public byte[] bytes() throws IOException {
        try (this) {
            return body.readAllBytes();
        }
    }

    public String text() throws IOException {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** The write side of a hijacked connection; closing it half-closes the socket. */
    public OutputStream output() {
        return new ChannelStreams.Out(channel);
    }

    /** Half-close: tells the daemon stdin ended while output keeps flowing. */
    public void closeWrite() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
