package dev.berth.registry;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A registry serving one storage root over plain HTTP on a loopback address, with Netty's epoll transport. */
public final class RegistryServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RegistryServer.class.getName());

    public static final Duration DEFAULT_UPLOAD_TTL = Duration.ofHours(24);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    private final Channel listener;
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("upload-expiry").daemon().factory());

    private RegistryServer(RegistryRoutes routes, InetSocketAddress address, Duration uploadTtl)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(group)
                .channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(8192, 64 * 1024, 1 << 16));
                        ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                        ch.pipeline().addLast(new RegistryHandler(routes));
                    }
                });
        try {
            this.listener = b.bind(address).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            sweeper.shutdownNow();
            throw e;
        }
        long every = Math.max(100, Math.min(uploadTtl.toMillis() / 2, 60_000));
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                routes.uploads().expire(uploadTtl);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "expiring upload sessions failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /** Starts serving {@code root} on {@code host:port} (port 0 picks a free one); uploads expire after a day. */
    public static RegistryServer start(Path root, String host, int port) throws IOException, InterruptedException {
        return start(root, host, port, DEFAULT_UPLOAD_TTL);
    }

    /** As {@link #start(Path, String, int)}, with upload sessions expiring after {@code uploadTtl} idle. */
    public static RegistryServer start(Path root, String host, int port, Duration uploadTtl)
            throws IOException, InterruptedException {
        // Without TLS and auth, anyone who reaches the registry can push and delete; loopback only for now.
        if (!InetAddress.getByName(host).isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing to listen on " + host
                    + ": plain HTTP without auth is only allowed on a loopback address");
        }
        Files2.ensureDir(root.toAbsolutePath());
        Files2.deleteTempFiles(root);
        RegistryServer s = new RegistryServer(new RegistryRoutes(root), new InetSocketAddress(host, port), uploadTtl);
        LOG.info("berth-registry serving " + root + " on " + host + ":" + s.port());
        return s;
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public void awaitClose() throws InterruptedException {
        listener.closeFuture().sync();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
