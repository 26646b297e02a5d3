package dev.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
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
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection's HTTP exchanges: routes each request, streams its body into the endpoint's {@link Body},
 * and writes the response (blob contents as a zero-copy file region). Once a request has been answered
 * early with an error, the rest of its body is discarded.
 */
final class RegistryHandler extends SimpleChannelInboundHandler<HttpObject> {
    private static final Logger LOG = Logger.getLogger(RegistryHandler.class.getName());
    private static final Body DISCARD = () -> null;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final RegistryRoutes routes;
    private Body body;
    private boolean keepAlive;
    /** A HEAD answer carries the headers of the GET answer and never a body. */
    private boolean head;

    RegistryHandler(RegistryRoutes routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
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
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (body != null) {
            body.abort();
            body = null;
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "connection error", cause);
        ctx.close();
    }
}
