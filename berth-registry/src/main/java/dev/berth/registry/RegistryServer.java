package dev.berth.registry;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A registry serving one storage root with Netty's epoll transport: plain HTTP on loopback, TLS (optionally
 * with client certificates) anywhere, or plain HTTP elsewhere only when explicitly marked insecure.
 */
public final class RegistryServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RegistryServer.class.getName());

    public static final Duration DEFAULT_UPLOAD_TTL = RegistryConfig.DEFAULT_UPLOAD_TTL;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    private final Channel listener;
    private final AccessLog accessLog;
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("upload-expiry").daemon().factory());

    private RegistryServer(RegistryConfig config, RequestGate gate, Uploads uploads, Optional<SslContext> ssl,
                           AccessLog accessLog) throws InterruptedException {
        this.accessLog = accessLog;
        ServerBootstrap b = new ServerBootstrap().group(group)
                .channel(EpollServerSocketChannel.class)
                // Blob bodies arrive in reads of up to 1 MiB: fewer wake-ups, syscalls and hand-offs per GiB.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 64 << 10, 1 << 20))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ssl.ifPresent(s -> ch.pipeline().addLast(s.newHandler(ch.alloc())));
                        ch.pipeline().addLast(new HttpServerCodec(8192, 64 * 1024, 1 << 20));
                        ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                        if (ssl.isPresent()) {
                            ch.pipeline().addLast(new ChunkedWriteHandler());
                        }
                        ch.pipeline().addLast(new RegistryHandler(gate, accessLog, ssl.isPresent()));
                    }
                });
        try {
            this.listener = b.bind(new InetSocketAddress(config.host(), config.port())).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            sweeper.shutdownNow();
            throw e;
        }
        Duration ttl = config.uploadTtl();
        long every = Math.max(100, Math.min(ttl.toMillis() / 2, 60_000));
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                uploads.expire(ttl);
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
        return start(RegistryConfig.local(root, host, port, uploadTtl));
    }

    public static RegistryServer start(RegistryConfig config) throws IOException, InterruptedException {
        config.checkExposure().ifPresent(LOG::warning);
        Path root = config.root().toAbsolutePath();
        Files2.ensureDir(root);
        Files2.deleteTempFiles(root);
        GarbageCollector.recover(root);
        RegistryRoutes routes = new RegistryRoutes(root, config.limits());
        RegistryConfig.Auth a = config.auth();
        AccessPolicy policy = new AccessPolicy(a.access());
        Optional<HtpasswdFile> users = a.htpasswd().isPresent()
                ? Optional.of(new HtpasswdFile(a.htpasswd().get().path())) : Optional.empty();
        Authenticator auth = Authenticator.NONE;
        Optional<TokenIssuer> issuer = Optional.empty();
        if (a.token().isPresent()) {
            RegistryConfig.Token t = a.token().get();
            auth = new TokenAuthenticator(TokenVerifier.of(t), t.realm(), t.service());
            if (t.signingKey().isPresent()) {
                issuer = Optional.of(new TokenIssuer(PemFiles.privateKey(t.signingKey().get()), t.issuer(),
                        t.service(), t.expiration(), users, policy, Clock.systemUTC()));
            }
        } else if (users.isPresent()) {
            auth = new BasicAuthenticator(users.get(), policy, a.htpasswd().get().realm());
        }
        RequestGate gate = new RequestGate(routes, auth, issuer, new Metrics(), config.limits().maxBodyBytes());
        AccessLog log = AccessLog.open(config.accessLog());
        RegistryServer s = new RegistryServer(config, gate, routes.uploads(), sslContext(config), log);
        LOG.info("berth-registry serving " + root + " on " + config.host() + ":" + s.port()
                + (config.tls().isPresent() ? " (TLS)" : ""));
        return s;
    }

    private static Optional<SslContext> sslContext(RegistryConfig config) throws IOException {
        if (config.tls().isEmpty()) {
            return Optional.empty();
        }
        RegistryConfig.Tls t = config.tls().get();
        SslContextBuilder b = SslContextBuilder.forServer(t.certificate().toFile(), t.key().toFile())
                .protocols("TLSv1.3", "TLSv1.2");
        if (!t.clientCas().isEmpty()) {
            List<X509Certificate> cas = new ArrayList<>();
            for (Path ca : t.clientCas()) {
                cas.addAll(PemFiles.certificates(ca));
            }
            b.trustManager(cas).clientAuth(ClientAuth.REQUIRE);
        }
        try {
            return Optional.of(b.build());
        } catch (IllegalArgumentException | javax.net.ssl.SSLException e) {
            throw new IllegalArgumentException("TLS certificate " + t.certificate() + " / key " + t.key() + ": "
                    + e.getMessage(), e);
        }
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
        accessLog.close();
    }
}
