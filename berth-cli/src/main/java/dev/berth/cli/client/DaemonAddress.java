package dev.berth.cli.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;

/**
 * Where the daemon listens: {@code unix:///path} or {@code tcp://host:port}, as in DOCKER_HOST; over TCP
 * optionally with TLS ({@code tls} null: none).
 */
public record DaemonAddress(String uri, SocketAddress address, TlsClient tls) {
    public static final String DEFAULT = "unix:///run/berth/berth.sock";

    public DaemonAddress(String uri, SocketAddress address) {
        this(uri, address, null);
    }

    /** The same address, reached with TLS (ignored for unix sockets, as docker ignores it). */
    public DaemonAddress withTls(TlsClient t) {
        return new DaemonAddress(uri, address, t);
    }

    /** Parses a host the way the docker CLI does; {@code host:port} and {@code :port} mean tcp. */
    public static DaemonAddress parse(String host) {
        String h = host.strip();
        if (h.isEmpty()) {
            h = DEFAULT;
        }
        if (h.startsWith("unix://")) {
            String path = h.substring("unix://".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("Invalid bind address format: " + host);
            }
            return new DaemonAddress(h, UnixDomainSocketAddress.of(path));
        }
        if (h.startsWith("/")) {
            return new DaemonAddress("unix://" + h, UnixDomainSocketAddress.of(h));
        }
        String rest = h.startsWith("tcp://") ? h.substring(6) : h.startsWith("http://") ? h.substring(7) : h;
        if (rest.contains("://")) {
            throw new IllegalArgumentException("Invalid bind address format: " + host);
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash);
        }
        int colon = rest.lastIndexOf(':');
        String hostname = colon < 0 ? rest : rest.substring(0, colon);
        int port = 2375;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Invalid bind address format: " + host);
            }
        }
        if (hostname.isEmpty()) {
            hostname = "127.0.0.1";
        }
        if (hostname.startsWith("[") && hostname.endsWith("]")) {
            hostname = hostname.substring(1, hostname.length() - 1);
        }
        return new DaemonAddress("tcp://" + rest, InetSocketAddress.createUnresolved(hostname, port));
    }

    /** Opens a blocking connection to the daemon. */
    public Connection connect() throws IOException {
        if (address instanceof UnixDomainSocketAddress) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(address);
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return new Connection.Plain(ch);
        }
        InetSocketAddress unresolved = (InetSocketAddress) address;
        InetSocketAddress resolved = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
        if (tls != null) {
            return new Connection.Tls(tls.context(), tls.verify(), resolved);
        }
        return new Connection.Plain(SocketChannel.open(resolved));
    }

    /** The Host header value docker uses for sockets. */
    public String hostHeader() {
        if (address instanceof InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        return "api.moby.localhost";
    }
}
