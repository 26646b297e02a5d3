package dev.berth.registry;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A response to write: status, headers and either a small in-memory body or a file range (written from a mapping). */
final class Response {
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = new byte[0];
    Path file;
    long offset;
    /** The Content-Length to send when it is not the in-memory body's (files, and HEAD answers). */
    long length = -1;

    Response(int status) {
        this.status = status;
    }

    Response header(String name, Object value) {
        headers.put(name, String.valueOf(value));
        return this;
    }

    Response body(String contentType, byte[] content) {
        headers.put("Content-Type", contentType);
        this.body = content;
        return this;
    }

    Response file(Path path, long offset, long length) {
        this.file = path;
        this.offset = offset;
        this.length = length;
        return this;
    }

    long contentLength() {
        return length >= 0 ? length : body.length;
    }
}
