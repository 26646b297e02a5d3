package dev.berth.registry;

import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.List;
import java.util.Map;

/** A request URI decoded once, up front: percent-decoded path and query parameters. */
record RequestUri(String path, Map<String, List<String>> params) {
    /** Decodes {@code uri}; a malformed percent-escape is the client's error (400), not ours. */
    static RequestUri parse(String uri) {
        QueryStringDecoder q = new QueryStringDecoder(uri);
        try {
            return new RequestUri(q.path(), q.parameters());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, 400, "malformed request URI: " + e.getMessage());
        }
    }
}
