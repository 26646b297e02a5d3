package dev.berth.daemon.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The userland side of a published port, as docker-proxy: it holds the host port (so a port in
 * use is refused before anything else is set up) and carries what the DNAT rules leave alone:
 * connections from containers on berthd's bridges to the host's address and the published port.
 * Everything else is rewritten by the kernel and never reaches it.
 */
final class PortProxy implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PortProxy.class.getName());

    private final NetworkChannel listener;
    private final InetSocketAddress target;
    private final Map<SocketAddress, DatagramChannel> udpPeers = new ConcurrentHashMap<>();

    private PortProxy(NetworkChannel listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
    }

    /** Binds {@code hostIp:hostPort} (0: any free port) and starts forwarding to {@code target}. */
    static PortProxy open(String proto, String hostIp, int hostPort, InetSocketAddress target) throws IOException {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(hostIp), hostPort);
        if (proto.equals("udp")) {
            DatagramChannel ch = DatagramChannel.open();
            try {
                ch.bind(at);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            PortProxy p = new PortProxy(ch, target);
            Thread.ofVirtual().name("udp-proxy-" + hostPort).start(p::serveUdp);
            return p;
        }
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(at, 512);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        PortProxy p = new PortProxy(ch, target);
        Thread.ofVirtual().name("tcp-proxy-" + hostPort).start(p::serveTcp);
        return p;
    }

    int port() throws IOException {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    private void serveTcp() {
        ServerSocketChannel ss = (ServerSocketChannel) listener;
        while (ss.isOpen()) {
            SocketChannel in;
            try {
                in = ss.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> relay(in));
        }
    }

    private void relay(SocketChannel in) {
        try (in; SocketChannel out = SocketChannel.open(target)) {
            in.setOption(StandardSocketOptions.TCP_NODELAY, true);
            out.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Thread back = Thread.ofVirtual().start(() -> pump(out, in));
            pump(in, out);
            back.join();
        } catch (IOException | InterruptedException e) {
            LOG.log(Level.FINE, "proxy connection to " + target, e);
        }
    }

    /** Copies until end of stream, then half-closes the other side so the peer sees it. */
    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // both gone
            }
        }
    }

    private void serveUdp() {
        DatagramChannel ch = (DatagramChannel) listener;
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        while (ch.isOpen()) {
            try {
                buf.clear();
                SocketAddress from = ch.receive(buf);
                buf.flip();
                DatagramChannel peer = udpPeers.get(from);
                if (peer == null) {
                    peer = DatagramChannel.open();
                    peer.connect(target);
                    udpPeers.put(from, peer);
                    DatagramChannel p = peer;
                    Thread.ofVirtual().start(() -> udpBack(ch, p, from));
                }
                peer.write(buf);
            } catch (IOException e) {
                if (!ch.isOpen()) {
                    return;
                }
                LOG.log(Level.FINE, "udp proxy", e);
            }
        }
    }

    private void udpBack(DatagramChannel ch, DatagramChannel peer, SocketAddress client) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        try (peer) {
            peer.socket().setSoTimeout(0);
            while (peer.isOpen() && ch.isOpen()) {
                buf.clear();
                peer.read(buf);
                buf.flip();
                ch.send(buf, client);
            }
        } catch (IOException e) {
            // the peer or the listener closed
        } finally {
            udpPeers.remove(client);
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        for (DatagramChannel p : udpPeers.values()) {
            try {
                p.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
