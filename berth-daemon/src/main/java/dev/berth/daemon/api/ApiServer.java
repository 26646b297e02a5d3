package dev.berth.daemon.api;

import dev.berth.daemon.security.ApiAccess;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/** Serves the Engine API on unix sockets and TCP addresses with Netty's epoll transport. */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());

    /** Longest request line (method, target, version); longer gets 414. */
    static final int MAX_INITIAL_LINE = 8192;
    /** Most bytes of headers in one request; more gets 431. */
    static final int MAX_HEADER_SIZE = 64 * 1024;

    private final Router router;
    private final Json json;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("api-", 0).factory());
    private final List<Channel> listeners = new ArrayList<>();
    private final List<Path> socketFiles = new ArrayList<>();

    private final ApiAccess access;
    private SslContext tls;

    public ApiServer(Router router, Json json) {
        this(router, json, ApiAccess.DEFAULT);
    }

    /** With {@code access} deciding the socket's group and what TCP listeners demand of clients. */
    public ApiServer(Router router, Json json, ApiAccess access) {
        this.router = router;
        this.json = json;
        this.access = access;
    }

    /** Listens on {@code unix:///path} or {@code tcp://host:port}. */
    public void listen(String address) throws IOException, InterruptedException {
        URI uri = URI.create(address.contains("://") ? address : "unix://" + address);
        boolean tcp = "tcp".equals(uri.getScheme());
        if (tcp) {
            access.check(List.of(address));
            if (tls == null) {
                tls = access.sslContext();
            }
        }
        SslContext ssl = tcp ? tls : null;
        ServerBootstrap b = new ServerBootstrap().group(group)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(new TlsOnlyHandler(ssl));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 1 << 16));
                        ch.pipeline().addLast(new ApiChannelHandler(router, json, workers));
                    }
                });
        switch (uri.getScheme()) {
            case "unix" -> {
                Path path = Path.of(uri.getPath());
                Files.createDirectories(path.getParent());
                Files.deleteIfExists(path);
                b.channel(EpollServerDomainSocketChannel.class);
                listeners.add(b.bind(new DomainSocketAddress(path.toFile())).sync().channel());
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
                socketFiles.add(path);
                socketGroup(path);
            }
            case "tcp" -> {
                b.channel(EpollServerSocketChannel.class);
                int port = uri.getPort() < 0 ? 2375 : uri.getPort();
                String host = uri.getHost() == null ? "0.0.0.0" : uri.getHost();
                listeners.add(b.bind(new InetSocketAddress(host, port)).sync().channel());
            }
            default -> throw new IllegalArgumentException("unsupported listen address " + address);
        }
        LOG.info("API listening on " + address + (ssl == null ? "" : access.tlsVerify() ? " (mutual TLS)" : " (TLS)"));
    }

    /** As dockerd with its docker group: members of {@code berth} may use the socket; root only when there is no such group. */
    private void socketGroup(Path path) throws IOException {
        String group = access.socketGroup();
        if (group == null || group.isEmpty()) {
            return;
        }
        try {
            GroupPrincipal g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(g);
        } catch (UserPrincipalNotFoundException e) {
            if (access.groupExplicit()) {
                throw new IllegalArgumentException("group " + group + " for the API socket does not exist");
            }
            LOG.fine("no group " + group + ": the API socket stays root's only");
        }
    }

    @Override
    public void close() {
        for (Channel c : listeners) {
            c.close().syncUninterruptibly();
        }
        for (Path p : socketFiles) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: the next start removes a stale socket anyway
            }
        }
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownNow();
    }
}
