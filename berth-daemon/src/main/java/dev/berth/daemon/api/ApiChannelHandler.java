package dev.berth.daemon.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-connection handler: turns HTTP requests into {@link Exchange}s run on virtual threads,
 * feeds request bodies to them, and after a hijack passes raw bytes through.
 */
final class ApiChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ApiChannelHandler.class.getName());
    private static final Pattern VERSION_PREFIX = Pattern.compile("^/v(\\d+\\.\\d+)(/.*)?$");

    private final Router router;
    private final Json json;
    private final ExecutorService workers;
    private InboundStream body;
    private InboundStream raw;
    /** The request whose body its handler reads from the socket; the connection carries no other after it. */
    private SocketBody socketBody;
    private boolean closeAfterBody;
    /** Requests being handled; counted up and down on the event loop only. */
    private int inFlight;
    /** The client shut its side down: once no request is being handled, ours goes too. */
    private volatile boolean inputShut;

    ApiChannelHandler(Router router, Json json, ExecutorService workers) {
        this.router = router;
        this.json = json;
        this.workers = workers;
    }

    /**
     * Closes the connection once {@code written} is out and the client has sent its whole body.
     * Closing while a refused body is still arriving would make the client's writes fail with a
     * broken pipe before it could read our answer; so we half-close, discard the rest, then close.
     */
    void closeAfterRequest(ChannelFuture written) {
        written.channel().eventLoop().execute(() -> {
            if (body == null && (socketBody == null || socketBody.isComplete())) {
                written.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            closeAfterBody = true;
            written.addListener(f -> {
                if (written.channel() instanceof DuplexChannel d) {
                    d.shutdownOutput();
                }
            });
            written.channel().eventLoop().schedule(() -> written.channel().close(), 30, TimeUnit.SECONDS);
        });
    }

    void hijackTo(InboundStream stream) {
        this.raw = stream;
        if (body != null) {
            body.end();
            body = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (socketBody != null) {
            // the decoder's leftovers (the body's start), or bytes of a body cut short, thrown away
            if (msg instanceof ByteBuf b) {
                socketBody.offer(b);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (raw != null) {
            if (msg instanceof ByteBuf b) {
                raw.offer(b);
            } else if (msg instanceof HttpContent c) {
                raw.offer(c.content());
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (msg instanceof HttpRequest req) {
            if (!req.decoderResult().isSuccess()) {
                ReferenceCountUtil.release(msg);
                refuseMalformed(ctx, req.decoderResult().cause());
                return;
            }
            if (readsBodyFromSocket(ctx, req)) {
                return;
            }
            body = new InboundStream(ctx.channel());
            dispatch(ctx, req, body);
        }
        if (msg instanceof HttpContent c) {
            InboundStream target = body;
            if (target != null) {
                target.offer(c.content().retain());
                if (msg instanceof LastHttpContent) {
                    target.end();
                    body = null;
                    if (closeAfterBody) {
                        ctx.close();
                    }
                }
            }
            ReferenceCountUtil.release(msg);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** A request the codec could not take: 414 for a long line, 431 for big headers, 400 otherwise; then close. */
    private static void refuseMalformed(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status;
        String message;
        if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            message = "request line longer than " + ApiServer.MAX_INITIAL_LINE + " bytes";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            message = "request headers larger than " + ApiServer.MAX_HEADER_SIZE + " bytes";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            message = "malformed HTTP request";
        }
        byte[] body = ("{\"message\":\"" + message + "\"}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ctx.alloc().buffer(body.length).writeBytes(body));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, "close");
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Hands the body of a route that wants it to a {@link SocketBody}: the HTTP decoder goes (what it
     * had read past the headers comes here as bytes), and the handler starts once those are in.
     */
    private boolean readsBodyFromSocket(ChannelHandlerContext ctx, HttpRequest req) {
        // the framing first: most requests have no body, and the route lookup is dearer
        long framing = SocketBody.framing(ctx.channel(), req);
        if (framing == SocketBody.NONE || !router.readsBodyFromSocket(req.method(), routePath(rawPath(req)))) {
            return false;
        }
        SocketBody sb;
        try {
            sb = SocketBody.open(ctx.channel(), framing);
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot read the body from the socket, the event loop does", e);
            ctx.channel().config().setAutoRead(true);
            return false;
        }
        socketBody = sb;
        ctx.pipeline().get(HttpServerCodec.class).removeInboundHandler();
        // queued behind the decoder's removal, which may be deferred to the end of its decode loop
        ctx.channel().eventLoop().execute(() -> {
            sb.seal();
            dispatch(ctx, req, sb);
        });
        return true;
    }

    /** The request's path, without its query. */
    private static String rawPath(HttpRequest req) {
        String uri = req.uri();
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** The path a route matches: without the {@code /vX.Y} prefix. */
    private static String routePath(String rawPath) {
        Matcher m = VERSION_PREFIX.matcher(rawPath);
        return m.matches() ? (m.group(2) == null ? "/" : m.group(2)) : rawPath;
    }

    private void dispatch(ChannelHandlerContext ctx, HttpRequest req, RequestBody stream) {
        String rawPath = rawPath(req);
        inFlight++;
        workers.execute(() -> {
            try {
                run(ctx, req, rawPath, stream);
            } finally {
                // Cleared on the event loop, behind the answer's writes this worker queued there: a connection the
                // client has shut is then never closed (below, or on its half-close) before its answer went out.
                ctx.channel().eventLoop().execute(() -> {
                    inFlight--;
                    closeIfIdle(ctx);
                });
            }
        });
    }

    /**
     * Closes a connection the client has left once it is idle. With half-closure allowed (a hijacked
     * stream goes on after the client's CloseWrite), nothing else would: every connection a client
     * closed stayed open on our side, and each open descriptor makes every process berthd starts
     * slower (the JDK's spawn helper closes them one by one in the child).
     */
    private void closeIfIdle(ChannelHandlerContext ctx) {
        if (inputShut && inFlight == 0 && raw == null && ctx.channel().isOpen()) {
            // after whatever is still queued for the client
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void run(ChannelHandlerContext ctx, HttpRequest req, String rawPath, RequestBody stream) {
        Exchange ex = null;
        try {
            Matcher m = VERSION_PREFIX.matcher(rawPath);
            ApiVersion version = m.matches() ? ApiVersion.parse(m.group(1)) : ApiVersion.MAX;
            String path = routePath(rawPath);
            ex = new Exchange(ctx.channel(), req, path, version, json, stream, () -> {});
            if (version.compareTo(ApiVersion.MAX) > 0) {
                throw ApiException.badRequest("client version " + version + " is too new. Maximum supported API version is " + ApiVersion.MAX);
            }
            if (version.compareTo(ApiVersion.MIN) < 0) {
                throw ApiException.badRequest("client version " + version + " is too old. Minimum supported API version is "
                        + ApiVersion.MIN + ", please upgrade your client to a newer version");
            }
            HttpMethod method = req.method();
            Router.Match match = router.find(method, path);
            if (match == null && method.equals(HttpMethod.HEAD)) {
                match = router.find(HttpMethod.GET, path);
            }
            if (match == null) {
                throw ApiException.notFound("page not found");
            }
            ex.pathVars(match.vars());
            match.handler().handle(ex);
            if (!ex.isAnswered()) {
                ex.respondEmpty(204);
            }
        } catch (Throwable t) {
            fail(ctx, req, ex, stream, t);
        } finally {
            if (ex == null || !ex.isHijacked()) {
                drain(stream);
            }
        }
    }

    private void fail(ChannelHandlerContext ctx, HttpRequest req, Exchange ex, RequestBody stream, Throwable t) {
        int status;
        String message;
        if (t instanceof ApiException a) {
            status = a.status();
            message = a.getMessage();
        } else if (t instanceof ChunkedDecoder.MalformedBodyException) {
            status = 400;
            message = t.getMessage();
        } else if (t instanceof IOException && ex != null && !ex.isOpen()) {
            return; // the client went away mid-stream
        } else {
            status = 500;
            message = t.getMessage() == null ? t.toString() : t.getMessage();
            LOG.log(Level.WARNING, req.method() + " " + req.uri() + " failed", t);
        }
        if (ex == null) {
            ex = new Exchange(ctx.channel(), req, req.uri(), ApiVersion.MAX, json, stream, () -> {});
        }
        if (ex.isAnswered()) {
            // Headers already went out (a stream): all we can do is end the connection.
            LOG.log(Level.FINE, "error after response started: " + message);
            ctx.channel().close();
            return;
        }
        if (status == 304) {
            ex.respondEmpty(304);
        } else {
            ex.respondJson(status, java.util.Map.of("message", message));
        }
    }

    /** Reads and drops what is left of a body so the connection can carry the next request. */
    private static void drain(RequestBody stream) {
        stream.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Over TLS the client's half-close is a close_notify alert (Go's tls.Conn.CloseWrite), not a FIN.
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
            if (raw != null) {
                raw.end();
            } else if (body != null) {
                body.end();
            }
            if (closeAfterBody) {
                ctx.close();
            }
            inputShut = true;
            closeIfIdle(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (raw != null) {
            raw.end();
        }
        if (body != null) {
            body.fail(new IOException("connection closed before the request body ended"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "connection error", cause);
        ctx.close();
    }
}
