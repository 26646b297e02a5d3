package dev.berth.daemon.containers;

import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.runtime.AttachSocket;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client attached to a container over a hijacked connection: the container's output from
 * conmon's attach socket to the client (framed unless TTY), the client's input to the container,
 * watching for the detach keys. Output ends when the container's output ends.
 */
final class AttachSession {
    private static final Logger LOG = Logger.getLogger(AttachSession.class.getName());

    private final java.util.concurrent.CompletableFuture<Exchange.Hijacked> connF = new java.util.concurrent.CompletableFuture<>();
    private final boolean tty;
    private final boolean stdout;
    private final boolean stderr;
    private final boolean stdin;
    private final byte[] detachKeys;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile AttachSocket out;
    private volatile AttachSocket in;

    AttachSession(boolean tty, boolean stdout, boolean stderr, boolean stdin, byte[] detachKeys) {
        this.tty = tty;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = stdin;
        this.detachKeys = detachKeys;
    }

    /**
     * Hands over the client's connection. The session is registered before the connection is
     * hijacked, because the client starts the container as soon as it sees the upgrade; the
     * pumps wait for the connection, the container's output waits in the socket meanwhile.
     */
    void bind(Exchange.Hijacked conn) {
        connF.complete(conn);
        if (done.get()) {
            closeConnection(conn);
        }
    }

    private Exchange.Hijacked conn() {
        return connF.join();
    }

    /** How many connections {@link #connect} opens. */
    int connections() {
        return stdin ? 2 : 1;
    }

    /** Connects to conmon and starts moving bytes; call before the container's process runs. */
    void connect(Path socket) throws IOException {
        out = AttachSocket.connect(socket);
        if (stdin) {
            // A second connection carries input: closing it (client sent EOF) closes the
            // container's stdin without ending the output we still have to deliver.
            in = AttachSocket.connect(socket);
            Thread.ofPlatform().daemon().name("attach-drain").start(() -> drain(in));
            Thread.ofVirtual().start(this::pumpInput);
        }
        Thread.ofPlatform().daemon().name("attach-out").start(this::pumpOutput);
    }

    private void pumpOutput() {
        try {
            AttachSocket.Packet p;
            while ((p = out.read()) != null) {
                int stream = p.stream() == AttachSocket.STDERR ? 2 : 1;
                if (stream == 1 ? stdout : stderr) {
                    StreamFrames.write(conn().out(), tty, stream, p.data(), 0, p.data().length);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "attach output ended", e);
        } finally {
            finish();
        }
    }

    private static void drain(AttachSocket s) {
        try {
            while (s.read() != null) {
                // output is delivered through the other connection
            }
        } catch (IOException ignored) {
            // closed
        }
    }

    private void pumpInput() {
        try {
            if (new DetachKeys(detachKeys).copy(conn().in(), in::write)) {
                finish(); // the detach sequence: the container runs on, the client is let go
                return;
            }
            // the client closed its side: the container sees end of input (the connection stays open for finish)
            in.shutdownOutput();
        } catch (IOException e) {
            LOG.log(Level.FINE, "attach input ended", e);
            closeQuietly(in);
        }
    }

    /** Ends the session: flushes what was written and closes the client's connection. */
    void finish() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(out);
        closeQuietly(in);
        if (connF.isDone()) {
            closeConnection(connF.join());
        }
    }

    private static void closeConnection(Exchange.Hijacked conn) {
        try {
            conn.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        conn.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }
}
