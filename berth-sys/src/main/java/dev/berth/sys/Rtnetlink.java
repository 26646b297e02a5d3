package dev.berth.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A route netlink socket: the few requests a container's network needs (a veth pair with one end
 * moved into a namespace, link up, an IPv4 address, a default route), without spawning {@code ip}.
 * The socket works in the network namespace of the thread that opened it.
 */
public final class Rtnetlink implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int AF_INET = 2;
    private static final int SOCK_RAW_CLOEXEC = 3 | 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final short RTM_NEWLINK = 16;
    private static final short RTM_DELLINK = 17;
    private static final short RTM_NEWADDR = 20;
    private static final short RTM_NEWROUTE = 24;
    private static final short NLMSG_ERROR = 2;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLM_F_ACK = 4;
    private static final short NLM_F_EXCL = 0x200;
    private static final short NLM_F_CREATE = 0x400;
    private static final int IFF_UP = 1;
    private static final short IFLA_ADDRESS = 1;
    private static final short IFLA_IFNAME = 3;
    private static final short IFLA_MTU = 4;
    private static final short IFLA_MASTER = 10;
    private static final short IFLA_LINKINFO = 18;
    private static final short IFLA_NET_NS_FD = 28;
    private static final short IFLA_INFO_KIND = 1;
    private static final short IFLA_INFO_DATA = 2;
    private static final short VETH_INFO_PEER = 1;
    private static final short IFA_ADDRESS = 1;
    private static final short IFA_LOCAL = 2;
    private static final short IFA_BROADCAST = 4;
    private static final short RTA_OIF = 4;
    private static final short RTA_GATEWAY = 5;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = downcall("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = downcall("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = downcall("if_nametoindex", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS));

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(Native.CAPTURE);
    private final MemorySegment buf = arena.allocate(8192);
    private final int fd;
    private int seq;

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return Native.handle(name, fd);
    }

    /** Opens a socket in the calling thread's network namespace; use it from that thread only. */
    public Rtnetlink() throws IOException {
        try {
            fd = (int) SOCKET.invokeExact(state, AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_ROUTE);
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException(t);
        }
        if (fd < 0) {
            int errno = Native.errno(state);
            arena.close();
            throw Libc.error("socket(AF_NETLINK)", errno);
        }
    }

    /** The interface's index in this thread's namespace, or an error if there is none. */
    public int index(String ifname) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            int i = (int) IF_NAMETOINDEX.invokeExact(state, a.allocateFrom(ifname));
            if (i == 0) {
                throw Libc.error("if_nametoindex " + ifname, Native.errno(state));
            }
            return i;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@code ip link add NAME mtu M up master BRIDGE type veth peer name PEER mtu M address MAC netns FILE}:
     * the host end on the bridge and up, the peer (down) in the namespace pinned on {@code netns}.
     */
    public void addVethToBridge(String name, int mtu, String bridge, String peer, byte[] peerMac, Path netns) throws IOException {
        int master = index(bridge);
        int nsfd;
        try (Arena a = Arena.ofConfined()) {
            nsfd = (int) OPEN.invokeExact(state, a.allocateFrom(netns.toString()), O_RDONLY_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (nsfd < 0) {
            throw Libc.error("open " + netns, Native.errno(state));
        }
        try {
            Msg m = new Msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
            m.ifinfo(0, IFF_UP, IFF_UP);
            m.attrString(IFLA_IFNAME, name);
            m.attrInt(IFLA_MTU, mtu);
            m.attrInt(IFLA_MASTER, master);
            int linkinfo = m.begin(IFLA_LINKINFO);
            m.attrString(IFLA_INFO_KIND, "veth");
            int data = m.begin(IFLA_INFO_DATA);
            int p = m.begin(VETH_INFO_PEER);
            m.ifinfo(0, 0, 0);
            m.attrString(IFLA_IFNAME, peer);
            m.attrInt(IFLA_MTU, mtu);
            m.attrBytes(IFLA_ADDRESS, peerMac);
            m.attrInt(IFLA_NET_NS_FD, nsfd);
            m.end(p);
            m.end(data);
            m.end(linkinfo);
            request(m, "add veth " + name);
        } finally {
            try {
                int ignored = (int) CLOSE.invokeExact(state, nsfd);
            } catch (Throwable t) {
                // closing
            }
        }
    }

    /** {@code ip link set IFNAME up}. */
    public void linkUp(String ifname) throws IOException {
        Msg m = new Msg(RTM_NEWLINK, 0);
        m.ifinfo(index(ifname), IFF_UP, IFF_UP);
        request(m, "set " + ifname + " up");
    }

    /** {@code ip link del IFNAME}. */
    public void linkDelete(String ifname) throws IOException {
        Msg m = new Msg(RTM_DELLINK, 0);
        m.ifinfo(index(ifname), 0, 0);
        request(m, "delete " + ifname);
    }

    /** {@code ip addr add ADDRESS/PREFIX broadcast + dev IFNAME}; {@code address} is in network order. */
    public void addAddress(String ifname, byte[] address, int prefix) throws IOException {
        int index = index(ifname);
        Msg m = new Msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        m.b.put((byte) AF_INET).put((byte) prefix).put((byte) 0).put((byte) 0).putInt(index);
        m.attrBytes(IFA_LOCAL, address);
        m.attrBytes(IFA_ADDRESS, address);
        if (prefix < 31) {
            int a = ByteBuffer.wrap(address).getInt();
            int bcast = a | (prefix == 0 ? -1 : ~(-1 << (32 - prefix)));
            m.attrBytes(IFA_BROADCAST, ByteBuffer.allocate(4).putInt(bcast).array());
        }
        request(m, "add address to " + ifname);
    }

    /** {@code ip route add default via GATEWAY dev IFNAME}. */
    public void addDefaultRoute(String ifname, byte[] gateway) throws IOException {
        int index = index(ifname);
        Msg m = new Msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        // rtmsg: family, dst_len, src_len, tos, table main, protocol boot, scope universe, type unicast, flags
        m.b.put((byte) AF_INET).put((byte) 0).put((byte) 0).put((byte) 0)
                .put((byte) 254).put((byte) 3).put((byte) 0).put((byte) 1).putInt(0);
        m.attrBytes(RTA_GATEWAY, gateway);
        m.attrInt(RTA_OIF, index);
        request(m, "add default route via " + ifname);
    }

    /** One request being built: the netlink header is completed by {@link #request}. */
    private final class Msg {
        final ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());

        Msg(short type, int flags) {
            b.putInt(0).putShort(type).putShort((short) (NLM_F_REQUEST | NLM_F_ACK | flags)).putInt(++seq).putInt(0);
        }

        void ifinfo(int index, int flags, int change) {
            b.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
        }

        int begin(short type) {
            int at = b.position();
            b.putShort((short) 0).putShort(type);
            return at;
        }

        void end(int at) {
            b.putShort(at, (short) (b.position() - at));
        }

        void attrBytes(short type, byte[] v) {
            b.putShort((short) (4 + v.length)).putShort(type).put(v);
            pad();
        }

        void attrString(short type, String s) {
            byte[] raw = s.getBytes(StandardCharsets.US_ASCII);
            byte[] z = new byte[raw.length + 1];
            System.arraycopy(raw, 0, z, 0, raw.length);
            attrBytes(type, z);
        }

        void attrInt(short type, int v) {
            b.putShort((short) 8).putShort(type).putInt(v);
        }

        private void pad() {
            while (b.position() % 4 != 0) {
                b.put((byte) 0);
            }
        }
    }

    /** Sends the message and waits for the kernel's acknowledgement; its error becomes an exception. */
    private void request(Msg m, String what) throws IOException {
        int len = m.b.position();
        m.b.putInt(0, len);
        MemorySegment.copy(m.b.array(), 0, buf, ValueLayout.JAVA_BYTE, 0, len);
        try {
            MemorySegment kernel = arena.allocate(12);
            kernel.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
            long sent = (long) SENDTO.invokeExact(state, fd, buf, (long) len, 0, kernel, 12);
            if (sent < 0) {
                throw Libc.error("netlink send (" + what + ")", Native.errno(state));
            }
            while (true) {
                long n = (long) RECV.invokeExact(state, fd, buf, buf.byteSize(), 0);
                if (n < 0) {
                    throw Libc.error("netlink receive (" + what + ")", Native.errno(state));
                }
                ByteBuffer r = buf.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder());
                int pos = 0;
                while (pos + 16 <= n) {
                    int mlen = r.getInt(pos);
                    short type = r.getShort(pos + 4);
                    int mseq = r.getInt(pos + 8);
                    if (type == NLMSG_ERROR && mseq == seq) {
                        int error = r.getInt(pos + 16);
                        if (error != 0) {
                            throw Libc.error(what, -error);
                        }
                        return;
                    }
                    if (mlen < 16) {
                        break;
                    }
                    pos += (mlen + 3) & ~3;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            // closing
        }
        arena.close();
    }
}
