package dev.berth.daemon.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A blocking OutputStream onto a channel, for streaming responses (as HTTP chunks) and hijacked
 * streams (raw bytes). Each write is flushed, as Docker clients expect to see output at once; a
 * writer waits while the channel is not writable, so a slow client slows the producer down.
 */
final class ChannelOutput extends OutputStream {
    private final Channel channel;
    private final boolean httpChunks;
    private final Runnable onClose;
    private volatile boolean closed;

    ChannelOutput(Channel channel, boolean httpChunks, Runnable onClose) {
        this.channel = channel;
        this.httpChunks = httpChunks;
        this.onClose = onClose;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed || !channel.isActive()) {
            throw new IOException("connection closed by client");
        }
        if (len == 0) {
            return;
        }
        var buf = Unpooled.copiedBuffer(b, off, len);
        ChannelFuture f = channel.writeAndFlush(httpChunks ? new DefaultHttpContent(buf) : buf);
        if (!channel.isWritable()) {
            await(f);
        }
    }

    private static void await(ChannelFuture f) throws IOException {
        try {
            f.get(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        } catch (ExecutionException e) {
            throw new IOException("connection closed by client", e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("client stopped reading");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.run();
        }
    }
}
