package dev.berth.registry;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A deliberately naive HTTP/1.1 client for the fuzz targets: it sends whatever bytes it is given (which the JDK
 * client refuses to), and reads one response framed by its Content-Length, skipping interim 1xx answers.
 */
final class RawHttp {
    /** How long one answer may take; below libFuzzer's 10 s per input, so a hang shows as a failed property. */
    private static final int READ_TIMEOUT_MS = 5_000;

    /** One answer: status, headers by lower-case name, and body. */
    record Answer(int status, String statusLine, Map<String, List<String>> headers, byte[] body) {
        Optional<String> header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
        }
    }

    private RawHttp() {}

    /**
     * A request built from parts: the request line is written as given, the framing headers
     * ({@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}) are dropped from {@code headers} and
     * set from the body, so every request is complete and the server must answer it.
     */
    static byte[] request(String method, String uri, List<String> headers, byte[] body) {
        StringBuilder b = new StringBuilder().append(method).append(' ').append(uri).append(" HTTP/1.1\r\n");
        boolean host = false;
        for (String h : headers) {
            int colon = h.indexOf(':');
            String name = (colon < 0 ? h : h.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
            if (name.equals("content-length") || name.equals("transfer-encoding") || name.equals("connection")) {
                continue;
            }
            host |= name.equals("host");
            b.append(h).append("\r\n");
        }
        if (!host) {
            b.append("Host: 127.0.0.1\r\n");
        }
        b.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] head = b.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** Sends one request on a fresh connection; empty when the server closed it without an answer. */
    static Optional<Answer> exchange(int port, byte[] request, boolean head) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = new BufferedInputStream(s.getInputStream());
            while (true) {
                Optional<Answer> a = read(in, head);
                if (a.isEmpty() || a.get().status() >= 200) {
                    return a;
                }
            }
        }
    }

    private static Optional<Answer> read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return Optional.empty();
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].equals("HTTP/1.1") || !parts[1].matches("[1-5][0-9][0-9]")) {
            throw new IllegalStateException("malformed status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String l = line(in); ; l = line(in)) {
            if (l == null) {
                throw new IllegalStateException("connection closed inside the headers of: " + statusLine);
            }
            if (l.isEmpty()) {
                break;
            }
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new IllegalStateException("malformed header line: " + l);
            }
            headers.computeIfAbsent(l.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).strip());
        }
        byte[] body = new byte[0];
        if (status >= 200 && status != 204 && status != 304 && !head) {
            List<String> cl = headers.get("content-length");
            if (cl == null || cl.size() != 1 || !cl.getFirst().matches("[0-9]{1,12}")) {
                throw new IllegalStateException(statusLine + " has no usable Content-Length: " + cl);
            }
            body = in.readNBytes(Integer.parseInt(cl.getFirst()));
            if (body.length != Integer.parseInt(cl.getFirst())) {
                throw new IllegalStateException(statusLine + ": body shorter than its Content-Length");
            }
        }
        return Optional.of(new Answer(status, statusLine, headers, body));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
