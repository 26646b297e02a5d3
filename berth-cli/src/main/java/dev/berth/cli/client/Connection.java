package dev.berth.cli.client;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** One connection to the daemon: a socket channel (unix or TCP), or TLS over TCP. */
public sealed interface Connection extends AutoCloseable {
    /** Reads into {@code dst}; -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src}. */
    void write(ByteBuffer src) throws IOException;

    /** Half-close: the daemon sees the end of our input while its output keeps coming. */
    void shutdownOutput() throws IOException;

    @Override
    void close() throws IOException;

    /** A plain socket channel. */
    record Plain(SocketChannel channel) implements Connection {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        public void write(ByteBuffer src) throws IOException {
            while (src.hasRemaining()) {
                channel.write(src);
            }
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** TLS over TCP, as the docker CLI speaks to a {@code --tlsverify} daemon. */
    final class Tls implements Connection {
        private final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;

        /** Connects to {@code address} and completes the handshake (the server's name is checked when {@code verify}). */
        public Tls(SSLContext ctx, boolean verify, InetSocketAddress address) throws IOException {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
            try {
                if (verify) {
                    SSLParameters p = s.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    s.setSSLParameters(p);
                }
                s.connect(address);
                s.startHandshake();
            } catch (IOException e) {
                s.close();
                throw e;
            }
            this.socket = s;
            this.in = s.getInputStream();
            this.out = s.getOutputStream();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            byte[] b = new byte[dst.remaining()];
            int n = in.read(b);
            if (n > 0) {
                dst.put(b, 0, n);
            }
            return n;
        }

        @Override
        public void write(ByteBuffer src) throws IOException {
            byte[] b = new byte[src.remaining()];
            src.get(b);
            out.write(b);
            out.flush();
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
