package dev.berth.daemon.network;

import dev.berth.sys.Netns;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The embedded DNS server of user-defined networks, as Docker's: it listens on 127.0.0.11:53 inside
 * each container's network namespace (the socket is opened from a thread that entered it), answers
 * the names of containers on the querier's networks, and forwards every other question from the
 * host's namespace to the host's resolvers, so even a resolver on the host's loopback is reachable.
 */
final class DnsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsServer.class.getName());
    static final String ADDRESS = "127.0.0.11";
    private static final long TTL = 600;

    /** Answers a name for a querying container: addresses, or an empty list if it is not one of ours. */
    interface Names {
        List<String> resolve(String containerId, String name);
    }

    private final Names names;
    private final Map<String, DatagramChannel> listeners = new ConcurrentHashMap<>();
    private final Map<String, List<InetAddress>> ownUpstreams = new ConcurrentHashMap<>();
    private volatile List<InetAddress> upstreams;

    DnsServer(Names names) {
        this.names = names;
    }

    /** Starts answering inside the container's namespace; a no-op if it already does. */
    void listen(String containerId, Path netns, List<String> upstreams) throws IOException {
        if (listeners.containsKey(containerId)) {
            return;
        }
        List<InetAddress> ups = new ArrayList<>();
        for (String u : upstreams) {
            ups.add(InetAddress.getByName(u));
        }
        ownUpstreams.put(containerId, ups);
        DatagramChannel ch = Netns.inside(netns, () -> {
            DatagramChannel c = DatagramChannel.open();
            c.bind(new InetSocketAddress(InetAddress.getByName(ADDRESS), 53));
            return c;
        });
        DatagramChannel old = listeners.putIfAbsent(containerId, ch);
        if (old != null) {
            ch.close();
            return;
        }
        Thread.ofVirtual().name("dns-" + containerId.substring(0, 12)).start(() -> serve(containerId, ch));
    }

    void stop(String containerId) {
        DatagramChannel ch = listeners.remove(containerId);
        ownUpstreams.remove(containerId);
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private void serve(String containerId, DatagramChannel ch) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (ch.isOpen()) {
            try {
                buf.clear();
                SocketAddress from = ch.receive(buf);
                buf.flip();
                byte[] query = new byte[buf.remaining()];
                buf.get(query);
                Thread.ofVirtual().start(() -> answer(containerId, ch, from, query));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(Level.FINE, "dns receive", e);
            }
        }
    }

    private void answer(String containerId, DatagramChannel ch, SocketAddress from, byte[] query) {
        try {
            byte[] reply = reply(containerId, query);
            if (reply != null) {
                ch.send(ByteBuffer.wrap(reply), from);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "dns answer", e);
        }
    }

    /** The reply to one query, or null to stay silent (malformed input). */
    byte[] reply(String containerId, byte[] query) {
        Message q;
        try {
            q = new Message(query);
        } catch (IOException e) {
            return null;
        }
        Record question = q.getQuestion();
        if (question == null || q.getHeader().getFlag(Flags.QR)) {
            return null;
        }
        String name = question.getName().toString(true).toLowerCase(java.util.Locale.ROOT);
        List<String> ips = names.resolve(containerId, name);
        if (ips.isEmpty()) {
            return forward(q, query, ownUpstreams.getOrDefault(containerId, List.of()));
        }
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        r.getHeader().setFlag(Flags.RA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.addRecord(question, Section.QUESTION);
        if (question.getType() == Type.A || question.getType() == Type.ANY) {
            for (String ip : ips) {
                try {
                    r.addRecord(new ARecord(question.getName(), DClass.IN, TTL, InetAddress.getByName(ip)), Section.ANSWER);
                } catch (IOException e) {
                    // not an address: skipped
                }
            }
        }
        // AAAA and others for a container name: no data, but the name exists (NOERROR)
        r.getHeader().setRcode(Rcode.NOERROR);
        return r.toWire(512);
    }

    /** Asks the host's resolvers, from the host's namespace (this thread's). */
    private byte[] forward(Message q, byte[] query, List<InetAddress> own) {
        for (InetAddress up : own.isEmpty() ? upstreams() : own) {
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(2000);
                s.send(new DatagramPacket(query, query.length, up, 53));
                byte[] buf = new byte[4096];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                byte[] out = new byte[p.getLength()];
                System.arraycopy(buf, 0, out, 0, out.length);
                return out;
            } catch (SocketTimeoutException e) {
                // next resolver
            } catch (IOException e) {
                LOG.log(Level.FINE, "forwarding to " + up, e);
            }
        }
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        r.getHeader().setRcode(Rcode.SERVFAIL);
        return r.toWire(512);
    }

    private List<InetAddress> upstreams() {
        List<InetAddress> u = upstreams;
        if (u == null) {
            u = new ArrayList<>();
            for (String s : HostResolvConf.read().nameservers()) {
                try {
                    u.add(InetAddress.getByName(s));
                } catch (IOException e) {
                    // not an address
                }
            }
            upstreams = u;
        }
        return u;
    }

    @Override
    public void close() {
        for (String id : List.copyOf(listeners.keySet())) {
            stop(id);
        }
    }
}
