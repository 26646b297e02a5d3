package dev.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import io.netty.handler.stream.ChunkedNioFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection's HTTP exchanges: routes each request, streams its body into the endpoint's {@link Body},
 * and writes the response (blob contents from a read-only mapping of the file, small ones with sendfile). Once a request has been answered
 * early with an error, the rest of its body is discarded.
 */
final class RegistryHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(RegistryHandler.class.getName());
    private static final Body DISCARD = () -> null;
    /** Queued after the last message of a closed connection. */
    private static final Object CLOSED = new Object();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A mapped blob is handed to Netty in slices: a ByteBuffer holds at most 2 GiB. */
    private static final long MAPPED_SLICE = 64L << 20;
    /**
     * Smaller ranges go out with sendfile: mapping, unmapping and closing a shared arena cost more per request
     * than the copy they save (16 KiB blobs, wrk at 16 connections: 9,000 requests/s against 20,000).
     */
    private static final long MAP_FROM = 1 << 20;

    private final RequestGate gate;
    private final AccessLog accessLog;
    /** Behind TLS, file contents go through the SslHandler as buffers read from the file. */
    private final boolean tls;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private Body body;
    private boolean keepAlive;
    /** A HEAD answer carries the headers of the GET answer and never a body. */
    private boolean head;
    /** The request being served, for metrics and the access log. */
    private Current current;

    private static final class Current {
        final long start = System.nanoTime();
        final Instant time = Instant.now();
        final RequestGate.Exchange ex = new RequestGate.Exchange();
        String method;
        String uri;
        String userAgent;
        long bytesIn;
    }

    RegistryHandler(RequestGate gate, AccessLog accessLog, boolean tls) {
        this.gate = gate;
        this.accessLog = accessLog;
        this.tls = tls;
    }

    /**
     * Disk work (writes, fsyncs, hashing) must not stall the event loop that serves other connections, so each
     * connection gets a virtual thread that handles its messages in order. Reading from the socket only resumes
     * once a message is handled, which bounds what is buffered per connection to one read.
     */
    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(false);
        Thread.ofVirtual().name("registry-conn").start(() -> serve(ctx));
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inbox.add(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inbox.add(CLOSED);
        super.channelInactive(ctx);
    }

    private void serve(ChannelHandlerContext ctx) {
        while (true) {
            Object msg;
            try {
                msg = inbox.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                msg = CLOSED;
            }
            if (msg == CLOSED) {
                if (body != null) {
                    body.abort();
                    body = null;
                }
                inbox.forEach(ReferenceCountUtil::release);
                return;
            }
            try {
                if (msg instanceof HttpObject http) {
                    handle(ctx, http);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "request handling failed", e);
                ctx.close();
            } finally {
                ReferenceCountUtil.release(msg);
            }
            ctx.channel().read();
        }
    }

    private void handle(ChannelHandlerContext ctx, HttpObject msg) {
        if (msg instanceof HttpRequest req) {
            keepAlive = HttpUtil.isKeepAlive(req);
            head = req.method().equals(HttpMethod.HEAD);
            current = new Current();
            current.method = req.method().name();
            current.uri = req.uri();
            current.userAgent = req.headers().get(HttpHeaderNames.USER_AGENT, "");
            if (!req.decoderResult().isSuccess()) {
                fail(ctx, new RegistryException(ErrorCode.UNSUPPORTED, 400, "malformed request"));
            } else {
                try {
                    String cl = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
                    body = gate.open(req.method(), req.uri(), req.headers(), baseUrl(ctx, req), current.ex);
                    if (cl != null && current.ex.bodyCap > 0 && Long.parseLong(cl) > current.ex.bodyCap) {
                        throw bodyTooLarge(current.ex.bodyCap);
                    }
                } catch (Exception e) {
                    fail(ctx, e);
                }
            }
        }
        if (msg instanceof HttpContent content && current != null) {
            current.bytesIn += content.content().readableBytes();
        }
        if (msg instanceof HttpContent content && body != null) {
            Body b = body;
            try {
                if (current.ex.bodyCap > 0 && current.bytesIn > current.ex.bodyCap && b != DISCARD) {
                    // Reading on would only waste the bandwidth of a client that ignores the answer.
                    keepAlive = false;
                    throw bodyTooLarge(current.ex.bodyCap);
                }
                if (content.content().isReadable()) {
                    b.data(content.content());
                }
                if (content instanceof LastHttpContent) {
                    body = null;
                    Response r = b.end();
                    if (r != null) {
                        write(ctx, r);
                    }
                }
            } catch (Exception e) {
                b.abort();
                fail(ctx, e);
                if (content instanceof LastHttpContent) {
                    body = null;
                }
            }
        }
    }

    private static RegistryException bodyTooLarge(long cap) {
        return new RegistryException(ErrorCode.SIZE_INVALID, 413, "request bodies here are limited to " + cap
                + " bytes");
    }

    private String baseUrl(ChannelHandlerContext ctx, HttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (host == null || host.isBlank()) {
            var local = (java.net.InetSocketAddress) ctx.channel().localAddress();
            host = local.getHostString() + ":" + local.getPort();
        }
        return (tls ? "https://" : "http://") + host;
    }

    private void fail(ChannelHandlerContext ctx, Exception e) {
        body = DISCARD;
        Response r;
        RegistryException err;
        if (e instanceof RegistryRoutes.RangeException re) {
            r = re.status;
            err = re.error;
        } else if (e instanceof RegistryException ree) {
            err = ree;
            r = new Response(err.status());
            ree.headers().forEach(r::header);
        } else {
            LOG.log(Level.WARNING, "request failed", e);
            err = null;
            r = new Response(500);
        }
        Map<String, Object> error = err == null
                ? Map.of("code", "UNKNOWN", "message", "internal error", "detail", String.valueOf(e.getMessage()))
                : Map.of("code", err.code().name(), "message", err.code().message(), "detail", err.detail());
        try {
            r.body("application/json", MAPPER.writeValueAsBytes(Map.of("errors", List.of(error))));
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        write(ctx, r);
    }

    private void write(ChannelHandlerContext ctx, Response r) {
        FileChannel file = null;
        Arena mapping = null;
        MemorySegment mapped = null;
        if (!head && r.file != null) {
            try {
                file = FileChannel.open(r.file, StandardOpenOption.READ);
                if (!tls && r.length >= MAP_FROM) {
                    mapping = Arena.ofShared();
                    mapped = file.map(FileChannel.MapMode.READ_ONLY, r.offset, r.length, mapping);
                    // the mapping outlives the descriptor
                    file.close();
                    file = null;
                }
            } catch (IOException | RuntimeException e) {
                if (file != null) {
                    try {
                        file.close();
                    } catch (IOException ignored) {
                        // the answer is an error already
                    }
                }
                if (mapping != null) {
                    mapping.close();
                }
                // Checked a moment ago; opening first keeps a clean error answer possible.
                fail(ctx, new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob vanished: " + e.getMessage()));
                return;
            }
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status));
        r.headers.forEach((k, v) -> response.headers().set(k, v));
        response.headers().set("Docker-Distribution-API-Version", "registry/2.0");
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.contentLength());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        ctx.write(response);
        long sent = 0;
        if (mapped != null) {
            // Blob bodies are written from a read-only mapping of the file, not with sendfile: the kernel copies
            // page cache into socket buffers once, and the receiver then reads bytes that are still in the CPU
            // caches. With sendfile the receiver copies cold page-cache pages itself; on loopback that cost more
            // than the copy saved, and per GiB the mapping also took less server CPU (docs/registry.md).
            for (long at = 0; at < r.length; at += MAPPED_SLICE) {
                ByteBuffer slice = mapped.asSlice(at, Math.min(MAPPED_SLICE, r.length - at)).asByteBuffer();
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(slice)));
            }
            sent = r.length;
        } else if (file != null) {
            if (tls) {
                try {
                    ctx.write(new ChunkedNioFile(file, r.offset, r.length, 1 << 16));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                ctx.write(new DefaultFileRegion(file, r.offset, r.length));
            }
            sent = r.length;
        } else if (!head && r.body.length > 0) {
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(r.body)));
            sent = r.body.length;
        }
        ChannelFuture f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (mapping != null) {
            // Writes complete in order, and a closed channel releases what it still held before failing them.
            Arena m = mapping;
            f.addListener(done -> m.close());
        }
        Current c = current;
        if (c != null) {
            long bytesOut = sent;
            String remote = String.valueOf(ctx.channel().remoteAddress());
            f.addListener(done -> finished(c, remote, r.status, bytesOut));
        }
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void finished(Current c, String remote, int status, long bytesOut) {
        long nanos = System.nanoTime() - c.start;
        gate.metrics().record(c.ex.route, c.method, status, c.bytesIn, bytesOut, nanos);
        accessLog.log(new AccessLog.Entry(c.time, remote, c.ex.user, c.method, c.uri, status, c.bytesIn, bytesOut,
                nanos, c.userAgent));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "connection error", cause);
        ctx.close();
    }
}
