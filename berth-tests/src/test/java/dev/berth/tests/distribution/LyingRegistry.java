package dev.berth.tests.distribution;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A registry that serves what it is given, optionally altered on the way out: a layer with a
 * flipped byte, a blob cut short, a manifest that is not what its digest says. For tests that a
 * puller refuses such content and stores nothing. Plain sockets, one request per connection, so
 * a short body really ends with the connection.
 */
final class LyingRegistry implements AutoCloseable {
    /** How a served blob is altered: its bytes and the Content-Length announced. */
    record Lie(UnaryOperator<byte[]> body, boolean announceTrueLength) {}

    private final ServerSocket server;
    private final Map<String, TestImage.Blob> manifests = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, Lie> lies = new ConcurrentHashMap<>();

    LyingRegistry() throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> handle(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    void serve(String repo, String tag, TestImage img) {
        manifests.put(repo + ":" + tag, img.manifest);
        manifests.put(repo + ":" + img.manifest.digest(), img.manifest);
        blobs.put(img.config.digest(), img.config.bytes());
        img.layers.forEach(l -> blobs.put(l.digest(), l.bytes()));
    }

    /** Serves {@code m} as the manifest for {@code repo:ref} (any content, under any name). */
    void serveManifest(String repo, String ref, TestImage.Blob m) {
        manifests.put(repo + ":" + ref, m);
    }

    void lie(String digest, Lie lie) {
        lies.put(digest, lie);
    }

    private void handle(Socket s) {
        try (s) {
            java.io.PushbackInputStream raw = new java.io.PushbackInputStream(s.getInputStream());
            int first = raw.read();
            if (first == 0x16) {
                return; // a TLS handshake: this registry speaks plain HTTP only
            }
            raw.unread(first);
            BufferedReader in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.ISO_8859_1));
            String[] request = in.readLine().split(" ");
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                // headers are not needed
            }
            boolean head = request[0].equals("HEAD");
            String path = request[1].replaceFirst("\\?.*", "");
            OutputStream out = s.getOutputStream();
            if (path.equals("/v2/")) {
                send(out, head, 200, "application/json", "{}".getBytes(), -1, null);
                return;
            }
            int m = path.indexOf("/manifests/");
            int b = path.indexOf("/blobs/");
            if (m > 0) {
                TestImage.Blob man = manifests.get(path.substring(4, m) + ":" + path.substring(m + 11));
                if (man == null) {
                    send(out, head, 404, "application/json",
                            "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}".getBytes(), -1, null);
                    return;
                }
                send(out, head, 200, man.mediaType(), man.bytes(), -1, man.digest());
            } else if (b > 0) {
                String digest = path.substring(b + 7);
                byte[] blob = blobs.get(digest);
                if (blob == null) {
                    send(out, head, 404, "application/json",
                            "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}".getBytes(), -1, null);
                    return;
                }
                Lie lie = lies.get(digest);
                if (lie == null) {
                    send(out, head, 200, "application/octet-stream", blob, -1, null);
                } else {
                    byte[] body = lie.body().apply(blob.clone());
                    send(out, head, 200, "application/octet-stream", body, lie.announceTrueLength() ? blob.length : -1, null);
                }
            } else {
                send(out, head, 404, "text/plain", new byte[0], -1, null);
            }
        } catch (IOException | RuntimeException ignored) {
            // the client went away
        }
    }

    /** Sends {@code body} with a Content-Length of {@code announced} (the truth when negative), then closes. */
    private static void send(OutputStream out, boolean head, int status, String type, byte[] body, long announced,
                             String digest) throws IOException {
        StringBuilder h = new StringBuilder("HTTP/1.1 " + status + " X\r\nConnection: close\r\nContent-Type: " + type + "\r\n");
        h.append("Content-Length: ").append(announced >= 0 ? announced : body.length).append("\r\n");
        if (digest != null) {
            h.append("Docker-Content-Digest: ").append(digest).append("\r\n");
        }
        out.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
