package dev.berth.daemon.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One API request and its response, handed to a route handler on a virtual thread. The handler
 * reads the request (path variables, query, headers, body) and answers exactly once: a JSON or
 * empty response, a stream of chunks, or a hijacked connection.
 */
public final class Exchange {
    /** Largest body read into memory with {@link #body()}; streamed bodies have no such cap. */
    public static final int MAX_BUFFERED_BODY = 16 * 1024 * 1024;

    private final HttpHeaders extraHeaders = new io.netty.handler.codec.http.DefaultHttpHeaders();

    private final Channel channel;
    private final HttpRequest request;
    private final String path;
    private final ApiVersion version;
    private final Map<String, List<String>> query;
    private final Json json;
    private final RequestBody body;
    private final Runnable onComplete;
    private Map<String, String> pathVars = Map.of();
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile boolean hijacked;

    Exchange(Channel channel, HttpRequest request, String path, ApiVersion version, Json json,
             RequestBody body, Runnable onComplete) {
        this.channel = channel;
        this.request = request;
        this.path = path;
        this.version = version;
        this.json = json;
        this.body = body;
        this.onComplete = onComplete;
        this.query = new QueryStringDecoder(request.uri()).parameters();
    }

    void pathVars(Map<String, String> vars) {
        this.pathVars = vars;
    }

    public HttpMethod method() {
        return request.method();
    }

    /** The path without its {@code /vX.Y} prefix. */
    public String path() {
        return path;
    }

    /** The API version the client asked for (the prefix), or the newest when it named none. */
    public ApiVersion version() {
        return version;
    }

    public Json json() {
        return json;
    }

    public String pathVar(String name) {
        String v = pathVars.get(name);
        if (v == null) {
            throw new IllegalStateException("route has no path variable " + name);
        }
        return v;
    }

    public String header(String name) {
        return request.headers().get(name);
    }

    public HttpHeaders headers() {
        return request.headers();
    }

    public boolean hasQuery(String name) {
        return query.containsKey(name);
    }

    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    public String query(String name, String fallback) {
        String v = query(name);
        return v == null ? fallback : v;
    }

    public List<String> queryAll(String name) {
        return query.getOrDefault(name, List.of());
    }

    /** Docker's boolean query values: 1/true/yes are true, 0/false/no/empty are false. */
    public boolean queryBool(String name, boolean fallback) {
        String v = query(name);
        if (v == null) {
            return fallback;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "1", "true", "yes", "y", "on" -> true;
            case "0", "false", "no", "n", "off", "" -> false;
            default -> throw ApiException.badRequest("invalid boolean value for " + name + ": " + v);
        };
    }

    public Long queryLong(String name) {
        String v = query(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for " + name + ": " + v);
        }
    }

    /** The {@code filters} query parameter as Docker encodes it: {"name": ["v", ...]} or {"name": {"v": true}}. */
    public Filters filters() {
        return Filters.parse(query("filters"), json);
    }

    /** The whole request body, up to {@link #MAX_BUFFERED_BODY} (413 beyond). */
    public byte[] body() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16384];
        int n;
        while ((n = body.read(buf)) > 0) {
            if (out.size() + n > MAX_BUFFERED_BODY) {
                body.close();
                throw new ApiException(413, "request body too large (limit " + MAX_BUFFERED_BODY + " bytes)");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** The body parsed as JSON into {@code type}; an empty body gives {@code null}. */
    public <T> T bodyJson(Class<T> type) throws IOException {
        byte[] b = body();
        return b.length == 0 ? null : json.read(b, type);
    }

    /** The request body as a stream, for large uploads (image tars). */
    public InputStream bodyStream() {
        return body;
    }

    public boolean isAnswered() {
        return answered.get();
    }

    /** True while the client's connection is open. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Runs {@code action} when the client's connection closes (or at once if it is closed). */
    public void onClose(Runnable action) {
        channel.closeFuture().addListener(f -> action.run());
    }

    /** Adds a header to the response this exchange will send. */
    public Exchange responseHeader(String name, String value) {
        extraHeaders.add(name, value);
        return this;
    }

    public void respondJson(int status, Object value) {
        respond(status, "application/json", json.write(value));
    }

    public void respondEmpty(int status) {
        respond(status, null, new byte[0]);
    }

    public void respondText(int status, String text) {
        respond(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    public void respond(int status, String contentType, byte[] content) {
        claim();
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(content));
        headers(r.headers());
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.length);
        finish(channel.writeAndFlush(r));
    }

    /** Starts a chunked response; what is written to the stream reaches the client at once. */
    public OutputStream startStream(int status, String contentType) {
        claim();
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        headers(r.headers());
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setTransferEncodingChunked(r, true);
        channel.writeAndFlush(r);
        return new ChannelOutput(channel, true, () -> finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)));
    }

    /**
     * Takes the connection over for a raw bidirectional stream (attach, exec): answers
     * {@code 101 UPGRADED} when the client asked to upgrade, else {@code 200}, then drops HTTP.
     */
    public Hijacked hijack(String contentType) {
        claim();
        hijacked = true;
        boolean upgrade = request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                upgrade ? new HttpResponseStatus(101, "UPGRADED") : HttpResponseStatus.OK);
        headers(r.headers());
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        if (upgrade) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            r.headers().set(HttpHeaderNames.UPGRADE, "tcp");
        }
        InboundStream in = new InboundStream(channel);
        var ready = new java.util.concurrent.CompletableFuture<Void>();
        channel.eventLoop().execute(() -> {
            channel.writeAndFlush(r);
            // Same event-loop task: no byte after the 101 is parsed as HTTP.
            ApiChannelHandler handler = channel.pipeline().get(ApiChannelHandler.class);
            handler.hijackTo(in);
            if (channel.pipeline().get(HttpServerCodec.class) != null) {
                channel.pipeline().remove(HttpServerCodec.class);
            }
            ready.complete(null);
        });
        ready.join();
        return new Hijacked(channel, in, new ChannelOutput(channel, false, () -> {}));
    }

    boolean isHijacked() {
        return hijacked;
    }

    private void claim() {
        if (!answered.compareAndSet(false, true)) {
            throw new IllegalStateException("response already sent for " + request.method() + " " + request.uri());
        }
    }

    /** The headers every answer carries, and this exchange's own. */
    private void headers(HttpHeaders h) {
        decorate(h);
        h.add(extraHeaders);
        if (closesAfter()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    /** Whether the connection ends with this answer: the client asked so, or its body was read off the socket (no HTTP decoder is left). */
    private boolean closesAfter() {
        return !HttpUtil.isKeepAlive(request) || body instanceof SocketBody;
    }

    private void finish(io.netty.channel.ChannelFuture written) {
        if (closesAfter()) {
            ApiChannelHandler handler = channel.pipeline().get(ApiChannelHandler.class);
            if (handler == null) {
                written.addListener(ChannelFutureListener.CLOSE);
            } else {
                handler.closeAfterRequest(written);
            }
        }
        onComplete.run();
    }

    static void decorate(HttpHeaders h) {
        h.set("Api-Version", ApiVersion.MAX.toString());
        h.set("Docker-Experimental", "false");
        h.set("Ostype", "linux");
        h.set(HttpHeaderNames.SERVER, "Berth/" + dev.berth.daemon.BerthVersion.VERSION + " (linux)");
    }

    /** A hijacked connection: the client's bytes in, ours out. */
    public record Hijacked(Channel channel, InputStream in, OutputStream out) implements AutoCloseable {
        /** Half-closes our side: the client sees end of stream but may still send. */
        public void closeWrite() {
            if (channel instanceof io.netty.channel.socket.DuplexChannel d) {
                d.shutdownOutput();
            } else {
                channel.close();
            }
        }

        @Override
        public void close() {
            channel.close();
        }
    }
}
