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

import java.io.IOException;
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
 * and writes the response (blob contents as a zero-copy file region). Once a request has been answered
 * early with an error, the rest of its body is discarded.
 */
final class RegistryHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(RegistryHandler.class.getName());
    private static final Body DISCARD = () -> null;
    /** Queued after the last message of a closed connection. */
    private static final Object CLOSED = new Object();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final RegistryRoutes routes;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private Body body;
    private boolean keepAlive;
    /** A HEAD answer carries the headers of the GET answer and never a body. */
    private boolean head;

    RegistryHandler(RegistryRoutes routes) {
        this.routes = routes;
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
            if (!req.decoderResult().isSuccess()) {
                fail(ctx, new RegistryException(ErrorCode.UNSUPPORTED, 400, "malformed request"));
            } else {
                try {
                    body = routes.dispatch(req.method(), req.uri(), req.headers());
                } catch (Exception e) {
                    fail(ctx, e);
                }
            }
        }
        if (msg instanceof HttpContent content && body != null) {
            Body b = body;
            try {
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
        if (!head && r.file != null) {
            try {
                file = FileChannel.open(r.file, StandardOpenOption.READ);
            } catch (IOException e) {
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
        if (file != null) {
            ctx.write(new DefaultFileRegion(file, r.offset, r.length));
        } else if (!head && r.body.length > 0) {
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(r.body)));
        }
        ChannelFuture f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "connection error", cause);
        ctx.close();
    }
}
