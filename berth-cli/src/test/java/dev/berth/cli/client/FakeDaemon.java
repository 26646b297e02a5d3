package dev.berth.cli.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/** A unix-socket server for client tests: records request heads and bodies, answers with a handler. */
final class FakeDaemon implements AutoCloseable {
    /** One received request. */
    record Request(String head, byte[] body) {
        String line() {
            return head.substring(0, head.indexOf("\r\n"));
        }
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Path dir;
    private final ServerSocketChannel server;

    FakeDaemon(BiConsumer<Request, SocketChannel> handler) throws IOException {
        dir = Files.createTempDirectory("berth-fake");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("s.sock")));
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofVirtual().start(() -> {
                    try {
                        Request r = read(ch);
                        requests.add(r);
                        handler.accept(r, ch);
                    } catch (IOException ignored) {
                        // client went away
                    }
                });
            }
        });
    }

    String uri() {
        return "unix://" + dir.resolve("s.sock");
    }

    private static Request read(SocketChannel ch) throws IOException {
        InputStream in = Channels.newInputStream(ch);
        var head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("eof");
            }
            head.write(c);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        byte[] body = new byte[0];
        String lower = h.toLowerCase();
        int cl = lower.indexOf("content-length: ");
        if (cl >= 0) {
            int n = Integer.parseInt(lower.substring(cl + 16, lower.indexOf("\r\n", cl)).strip());
            body = in.readNBytes(n);
        } else if (lower.contains("transfer-encoding: chunked")) {
            var b = new ByteArrayOutputStream();
            while (true) {
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = in.read()) != '\n') {
                    line.append((char) c);
                }
                int size = Integer.parseInt(line.toString().strip(), 16);
                if (size == 0) {
                    in.readNBytes(2);
                    break;
                }
                b.write(in.readNBytes(size));
                in.readNBytes(2);
            }
            body = b.toByteArray();
        }
        return new Request(h, body);
    }

    static void write(SocketChannel ch, String s) {
        write(ch, s.getBytes(StandardCharsets.UTF_8));
    }

    static void write(SocketChannel ch, byte[] b) {
        try {
            ByteBuffer bb = ByteBuffer.wrap(b);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
        } catch (IOException ignored) {
            // client went away
        }
    }

    static void respond(SocketChannel ch, int status, String headers, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        write(ch, "HTTP/1.1 " + status + " X\r\n" + headers + "Content-Length: " + b.length + "\r\n\r\n");
        write(ch, b);
        try {
            ch.close();
        } catch (IOException ignored) {
            // done
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(dir.resolve("s.sock"));
        Files.deleteIfExists(dir);
    }
}
