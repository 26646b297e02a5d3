package dev.berth.tests.api;

import dev.berth.tests.BerthdFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Connections the client has closed are closed on berthd's side too, so its descriptors do not pile up. */
class ConnectionsTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    @BeforeAll
    static void seed() {
        berthd.importBusybox("busybox");
        berthd.dockerOk("run", "-d", "--name", "target", "busybox", "sleep", "300");
    }

    @Test
    void closedClientConnectionsDoNotStayOpen() throws Exception {
        for (int i = 0; i < 3; i++) { // warm: lazily opened files and threads are not what this is about
            berthd.dockerOk("ps");
        }
        long before = openSockets();
        for (int i = 0; i < 20; i++) {
            berthd.dockerOk("ps");
            berthd.dockerOk("exec", "target", "true");
        }
        berthd.dockerOk("run", "--rm", "busybox", "true");
        // each docker command opens one to three connections; before the fix all of them stayed
        long after = waitForAtMost(before + 5);
        assertThat(after).isLessThanOrEqualTo(before + 5);
    }

    @Test
    void requestSentWithTheWriteSideShutStillGetsItsAnswer() throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(berthd.socket()));
            OutputStream out = Channels.newOutputStream(ch);
            out.write("GET /v1.41/containers/target/json HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ch.shutdownOutput();
            InputStream in = Channels.newInputStream(ch);
            // ends when berthd closes; a berthd that never does fails here instead of hanging the build
            var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String answer;
            try {
                answer = read.get(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("berthd answered but did not close the connection the client had shut", e);
            }
            assertThat(answer).startsWith("HTTP/1.1 200").contains("\"Name\":\"/target\"");
        }
        // A quick answer raced the half-close: the connection was closed before the worker's queued write went
        // out, for about a third of these requests.
        int unanswered = 0;
        for (int i = 0; i < 300; i++) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(berthd.socket()));
                ch.write(java.nio.ByteBuffer.wrap("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                ch.shutdownOutput();
                if (!new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8).startsWith("HTTP/1.1 200")) {
                    unanswered++;
                }
            }
        }
        assertThat(unanswered).as("requests of 300 closed without their answer").isZero();
    }

    private static long waitForAtMost(long limit) throws InterruptedException, IOException {
        long n = openSockets();
        for (int i = 0; i < 50 && n > limit; i++) { // closing happens on berthd's event loop, just after the client's
            Thread.sleep(100);
            n = openSockets();
        }
        return n;
    }

    private static long openSockets() throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(berthd.pid()), "fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }
}
