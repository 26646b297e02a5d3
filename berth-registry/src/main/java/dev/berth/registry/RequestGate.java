package dev.berth.registry;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What stands in front of {@link RegistryRoutes}: the operational endpoints ({@code /healthz}, {@code /metrics}),
 * the built-in token endpoint, and authentication of every {@code /v2} request against the scopes it needs.
 */
final class RequestGate {
    private final RegistryRoutes routes;
    private final Authenticator auth;
    private final Optional<TokenIssuer> issuer;
    private final Metrics metrics;
    private final long maxBodyBytes;

    RequestGate(RegistryRoutes routes, Authenticator auth, Optional<TokenIssuer> issuer, Metrics metrics,
                long maxBodyBytes) {
        this.routes = routes;
        this.auth = auth;
        this.issuer = issuer;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
    }

    Metrics metrics() {
        return metrics;
    }

    /** What the handler learns about a request while the gate opens it. */
    static final class Exchange {
        String route = "other";
        String user = "";
        /** Request body cap enforced by the handler; 0 when the endpoint enforces its own. */
        long bodyCap;
    }

    /** A small request body gathered in memory (the handler caps it at {@code maxBodyBytes}). */
    private record FormBody(FormHandler handler, java.io.ByteArrayOutputStream buf) implements Body {
        FormBody(FormHandler handler) {
            this(handler, new java.io.ByteArrayOutputStream());
        }

        @Override
        public void data(io.netty.buffer.ByteBuf chunk) throws IOException {
            chunk.getBytes(chunk.readerIndex(), buf, chunk.readableBytes());
        }

        @Override
        public Response end() throws IOException {
            return handler.apply(buf.toByteArray());
        }
    }

    private interface FormHandler {
        Response apply(byte[] form) throws IOException;
    }

    Body open(HttpMethod method, String uri, HttpHeaders headers, String baseUrl, Exchange ex) throws IOException {
        RequestUri request = RequestUri.parse(uri);
        String path = request.path();
        ex.bodyCap = maxBodyBytes;
        if (path.equals("/healthz")) {
            ex.route = "healthz";
            return () -> new Response(200).body("text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals("/metrics")) {
            ex.route = "metrics";
            return () -> new Response(200).body("text/plain; version=0.0.4",
                    metrics.render().getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals(TokenIssuer.PATH) && issuer.isPresent()) {
            ex.route = "token";
            if (method.equals(HttpMethod.POST)) {
                return new FormBody(form -> issuer.get().issueForm(form));
            }
            if (!method.equals(HttpMethod.GET)) {
                throw new RegistryException(ErrorCode.UNSUPPORTED, method + " " + path + " is not supported");
            }
            return () -> issuer.get().issue(request.params(), headers);
        }
        RequiredAccess.Need need = RequiredAccess.of(method.name(), path);
        ex.route = need.route();
        if (need.route().equals("upload") || need.route().equals("manifest")) {
            ex.bodyCap = 0;
        }
        Grant grant = auth.authorize(headers, baseUrl, need.scopes());
        ex.user = grant.user();
        return routes.dispatch(method, request, headers, grant);
    }
}
