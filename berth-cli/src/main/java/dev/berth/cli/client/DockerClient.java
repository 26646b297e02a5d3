package dev.berth.cli.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A small Docker Engine API client: HTTP/1.1 over a unix (or tcp) socket with the JDK's
 * SocketChannel, one connection per request, API version negotiated through {@code /_ping}.
 */
public final class DockerClient {
    /** The newest API version this client speaks. */
    public static final String MAX_API_VERSION = "1.50";

    private final DaemonAddress address;
    private final String userAgent;
    private String apiVersion;

    public DockerClient(DaemonAddress address, String userAgent) {
        this.address = address;
        this.userAgent = userAgent;
    }

    public DaemonAddress address() {
        return address;
    }

    /** The negotiated API version: the daemon's, capped at {@link #MAX_API_VERSION}. Pings once. */
    public String apiVersion() {
        if (apiVersion == null) {
            String v = null;
            try (Response r = exchange("HEAD", "/_ping", null, null, Map.of()).raw()) {
                v = r.header("api-version");
            } catch (IOException e) {
                throw new DaemonUnreachableException(address.uri(), e);
            }
            apiVersion = negotiate(v);
        }
        return apiVersion;
    }

    static String negotiate(String daemonVersion) {
        if (daemonVersion == null || daemonVersion.isBlank()) {
            return "1.24";
        }
        return compareVersions(daemonVersion.strip(), MAX_API_VERSION) < 0 ? daemonVersion.strip() : MAX_API_VERSION;
    }

    /** Compares dotted versions numerically ("1.9" &lt; "1.10"). */
    public static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? parseOr0(x[i]) : 0;
            int q = i < y.length ? parseOr0(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    private static int parseOr0(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private String versioned(String path) {
        return "/v" + apiVersion() + path;
    }

    /** A request whose error statuses become {@link DaemonException}; the caller closes the response. */
    public Response call(String method, String path, Object body) {
        return call(method, path, body, Map.of());
    }

    public Response call(String method, String path, Object body, Map<String, String> headers) {
        Response r;
        try {
            r = exchange(method, versioned(path), body, body instanceof InputStream ? "application/x-tar" : null, headers).raw();
        } catch (IOException e) {
            throw new DaemonUnreachableException(address.uri(), e);
        }
        return checked(r);
    }

    /** Sends a stream body (chunked) with a content type. */
    public Response upload(String method, String path, InputStream body, String contentType) {
        try {
            return checked(exchange(method, versioned(path), body, contentType, Map.of()).raw());
        } catch (IOException e) {
            throw new DaemonUnreachableException(address.uri(), e);
        }
    }

    private Response checked(Response r) {
        if (r.status() >= 400) {
            String text;
            try {
                text = r.text();
            } catch (IOException e) {
                text = "";
            }
            throw new DaemonException(r.status(), errorMessage(text, r.status()));
        }
        return r;
    }

    private String errorMessage(String body, int status) {
        String t = body.strip();
        if (t.startsWith("{")) {
            try {
                JsonNode n = Json.parse(t);
                if (n.hasNonNull("message")) {
                    return n.get("message").asText();
                }
            } catch (IOException ignored) {
                // not JSON after all: show the text
            }
        }
        if (t.isEmpty()) {
            return status == 404 ? "page not found" : "HTTP " + status;
        }
        return t;
    }

    public JsonNode getJson(String path) {
        return readJson(call("GET", path, null));
    }

    public JsonNode postJson(String path, Object body) {
        return readJson(call("POST", path, body));
    }

    /** POST/DELETE whose body (if any) is ignored. */
    public void send(String method, String path) {
        try (Response r = call(method, path, null)) {
            r.body().transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new DaemonUnreachableException(address.uri(), e);
        }
    }

    public JsonNode readJson(Response r) {
        try (r) {
            byte[] b = r.body().readAllBytes();
            return Json.parse(b);
        } catch (IOException e) {
            throw new DaemonUnreachableException(address.uri(), e);
        }
    }

    /**
     * Upgrades the connection to a raw stream (attach, exec start): sends {@code Connection: Upgrade},
     * {@code Upgrade: tcp}; accepts 101 or, from old daemons, 200.
     */
    public Response hijack(String path, Object body) {
        Response r = call("POST", path, body, Map.of("Connection", "Upgrade", "Upgrade", "tcp"));
        if (r.status() != 101 && r.status() != 200) {
            try {
                r.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw new IllegalStateException("unable to upgrade to tcp, received " + r.status());
        }
        return r;
    }

    /** One raw exchange on a fresh connection. {@code body}: null, byte[], a JsonNode, or an InputStream (chunked). */
    Pending exchange(String method, String target, Object body, String contentType, Map<String, String> headers) throws IOException {
        Connection ch = address.connect();
        try {
            byte[] fixed = null;
            String ctype = contentType;
            if (body instanceof byte[] b) {
                fixed = b;
            } else if (body instanceof JsonNode n) {
                fixed = Json.bytes(n);
                ctype = "application/json";
            }
            StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(address.hostHeader()).append("\r\n")
                    .append("User-Agent: ").append(userAgent).append("\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (fixed != null) {
                head.append("Content-Type: ").append(ctype == null ? "application/json" : ctype).append("\r\n")
                        .append("Content-Length: ").append(fixed.length).append("\r\n");
            } else if (body instanceof InputStream) {
                head.append("Content-Type: ").append(ctype).append("\r\nTransfer-Encoding: chunked\r\n");
            } else if (method.equals("POST") || method.equals("PUT")) {
                head.append("Content-Length: 0\r\n");
            }
            head.append("\r\n");
            OutputStream out = new ChannelStreams.Out(ch);
            byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
            if (fixed != null && fixed.length < 64 * 1024) {
                var all = new ByteArrayOutputStream(headBytes.length + fixed.length);
                all.writeBytes(headBytes);
                all.writeBytes(fixed);
                out.write(all.toByteArray());
            } else {
                out.write(headBytes);
                if (fixed != null) {
                    out.write(fixed);
                } else if (body instanceof InputStream in) {
                    writeChunked(in, out);
                }
            }
            return new Pending(ch, method);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A request already sent whose response has not been read yet. */
    public final class Pending {
        private final Connection ch;
        private final String method;

        private Pending(Connection ch, String method) {
            this.ch = ch;
            this.method = method;
        }

        Response raw() throws IOException {
            try {
                return readResponse(ch, method);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        /** Blocks for the response head; error statuses become {@link DaemonException}. */
        public Response response() {
            try {
                return checked(readResponse(ch, method));
            } catch (IOException e) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
                throw new DaemonUnreachableException(address.uri(), e);
            }
        }
    }

    /**
     * Sends a request now and reads its response later: {@code wait} must be registered with the
     * daemon before {@code start}, but its answer only comes when the container exits.
     */
    public Pending send(String method, String path, Object body) {
        try {
            return exchange(method, versioned(path), body, null, Map.of());
        } catch (IOException e) {
            throw new DaemonUnreachableException(address.uri(), e);
        }
    }

    private static void writeChunked(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(buf, 0, n);
            out.write(CRLF);
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private static Response readResponse(Connection ch, String method) throws IOException {
        ChannelStreams.In in = new ChannelStreams.In(ch);
        String statusLine = in.readLine();
        if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
            throw new IOException("malformed HTTP response: " + statusLine);
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new HashMap<>();
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            int c = line.indexOf(':');
            if (c > 0) {
                headers.put(line.substring(0, c).strip().toLowerCase(Locale.ROOT), line.substring(c + 1).strip());
            }
        }
        InputStream body;
        String te = headers.get("transfer-encoding");
        String cl = headers.get("content-length");
        if (status == 101) {
            body = in;
        } else if (method.equals("HEAD") || status == 204 || status == 304) {
            body = InputStream.nullInputStream();
        } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = new ChunkedInputStream(in);
        } else if (cl != null) {
            body = new dev.berth.sys.BoundedInputStream(in, Long.parseLong(cl), "connection closed before the end of the body");
        } else {
            body = in;
        }
        return new Response(ch, status, headers, body);
    }
}
