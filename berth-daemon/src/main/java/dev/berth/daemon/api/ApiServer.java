package dev.berth.daemon.api;

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

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/** Serves the Engine API on unix sockets and TCP addresses with Netty's epoll transport. */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());

    private final Router router;
    private final Json json;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("api-", 0).factory());
    private final List<Channel> listeners = new ArrayList<>();
    private final List<Path> socketFiles = new ArrayList<>();

    public ApiServer(Router router, Json json) {
        this.router = router;
        this.json = json;
    }

    /** Listens on {@code unix:///path} or {@code tcp://host:port}. */
    public void listen(String address) throws IOException, InterruptedException {
        URI uri = URI.create(address.contains("://") ? address : "unix://" + address);
        ServerBootstrap b = new ServerBootstrap().group(group)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(8192, 64 * 1024, 1 << 16));
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
            }
            case "tcp" -> {
                b.channel(EpollServerSocketChannel.class);
                int port = uri.getPort() < 0 ? 2375 : uri.getPort();
                String host = uri.getHost() == null ? "0.0.0.0" : uri.getHost();
                // Whoever reaches the API is root on this machine; until mutual TLS is in place,
                // TCP is for this machine's own clients only.
                if (!java.net.InetAddress.getByName(host).isLoopbackAddress()) {
                    throw new IllegalArgumentException("refusing to listen on " + address
                            + ": TCP without TLS is only allowed on a loopback address");
                }
                listeners.add(b.bind(new InetSocketAddress(host, port)).sync().channel());
            }
            default -> throw new IllegalArgumentException("unsupported listen address " + address);
        }
        LOG.info("API listening on " + address);
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
