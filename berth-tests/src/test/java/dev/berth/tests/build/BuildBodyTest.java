package dev.berth.tests.build;

import dev.berth.tests.ApiResult;
import dev.berth.tests.BerthdFixture;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A build context reaches the builder intact however the client frames and paces it: chunked coding
 * in odd pieces with extensions and trailers, or a Content-Length; broken framing is a 400, and a
 * client that leaves mid-body or is refused before its body was read leaves berthd serving.
 * (berthd reads a build's body straight from the socket, not through its HTTP decoder.)
 */
class BuildBodyTest {
    @RegisterExtension
    static final BerthdFixture berthd = new BerthdFixture();

    private static byte[] payload;
    private static byte[] context;

    @BeforeAll
    static void seed() throws Exception {
        berthd.importBusybox("busybox:latest");
        payload = new byte[3 << 20];
        new Random(5).nextBytes(payload);
        String sum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
        // the RUN fails the build unless the file arrived byte for byte
        context = tar("FROM busybox\nCOPY payload /payload\nRUN test \"$(sha256sum /payload | cut -c1-64)\" = " + sum + "\n", payload);
    }

    private static byte[] tar(String dockerfile, byte[] file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            byte[] df = dockerfile.getBytes(StandardCharsets.UTF_8);
            for (var f : new Object[][] {{"Dockerfile", df}, {"payload", file}}) {
                TarArchiveEntry e = new TarArchiveEntry((String) f[0]);
                e.setSize(((byte[]) f[1]).length);
                t.putArchiveEntry(e);
                t.write((byte[]) f[1]);
                t.closeArchiveEntry();
            }
            t.finish();
        }
        return out.toByteArray();
    }

    /** The body in chunks of random sizes, some with extensions, and trailer fields at the end. */
    private static byte[] chunked(byte[] body, Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < body.length) {
            int n = Math.min(body.length - pos, 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 10 : 100_000));
            out.writeBytes((Integer.toHexString(n) + (rnd.nextInt(5) == 0 ? ";ext=1" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, pos, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            pos += n;
        }
        out.writeBytes("0\r\nX-Trailer: yes\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(berthd.socket()));
        return ch;
    }

    private static void send(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static String head(String query, String framing) {
        return "POST /v1.41/build?" + query + " HTTP/1.1\r\nHost: berth\r\nContent-Type: application/x-tar\r\n" + framing + "\r\n";
    }

    /** Reads the answer to its end: berthd closes a connection whose build body it read off the socket. */
    private static ApiResult answer(SocketChannel ch) throws Exception {
        var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Channels.newInputStream(ch).readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            return BerthdFixture.parseResponse(read.get(120, java.util.concurrent.TimeUnit.SECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("berthd did not answer and close the connection", e);
        }
    }

    @Test
    void aChunkedBodySentInOddPiecesArrivesIntact() throws Exception {
        Random rnd = new Random(11);
        byte[] raw = chunked(context, rnd);
        try (SocketChannel ch = connect()) {
            send(ch, head("t=body:chunked&rm=1", "Transfer-Encoding: chunked\r\n").getBytes(StandardCharsets.US_ASCII));
            int pos = 0;
            int pieces = 0;
            while (pos < raw.length) { // pauses make berthd wait for bytes in the middle of a chunk's size, data and framing
                int n = Math.min(raw.length - pos, 1 + rnd.nextInt(pieces % 7 == 0 ? 5 : 200_000));
                send(ch, java.util.Arrays.copyOfRange(raw, pos, pos + n));
                pos += n;
                if (pieces++ % 5 == 0) {
                    Thread.sleep(2);
                }
            }
            ApiResult r = answer(ch);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers()).containsEntry("connection", "close");
            assertThat(r.body()).contains("Successfully built").contains("Successfully tagged body:chunked").doesNotContain("errorDetail");
        }
    }

    /**
     * A {@code _ping} and a build pipelined on one connection, as the docker CLI sends them back to back:
     * the ping's handler finishes while the build's body is being read off the socket, and must not
     * turn the event loop's reading back on (it took and dropped pieces of the body: the build failed
     * with "chunked body: ..." errors, 3 times in 5).
     */
    @Test
    void aBuildRightBehindAPingOnTheSameConnectionArrivesIntact() throws Exception {
        for (int i = 0; i < 6; i++) {
            try (SocketChannel ch = connect()) {
                String ping = "HEAD /_ping HTTP/1.1\r\nHost: berth\r\n\r\n";
                send(ch, (ping + head("t=body:ping" + i, "Transfer-Encoding: chunked\r\n")).getBytes(StandardCharsets.US_ASCII));
                for (int pos = 0; pos < context.length; pos += 1 << 15) { // as Go's client: size and data, then the CRLF alone
                    int n = Math.min(1 << 15, context.length - pos);
                    send(ch, (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    send(ch, java.util.Arrays.copyOfRange(context, pos, pos + n));
                    send(ch, "\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                send(ch, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String both = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
                assertThat(both).as("round %d", i).startsWith("HTTP/1.1 200").contains("Successfully tagged body:ping" + i)
                        .doesNotContain("errorDetail").doesNotContain("chunked body");
            }
        }
    }

    /**
     * The threads that read and parse a context run under SCHED_BATCH while the body streams in (so a
     * client sending it is not preempted at every few KiB), and no thread of berthd is left with that
     * policy afterwards: threads and processes started from a batch thread would inherit it.
     */
    @Test
    void contextThreadsRunAsBatchWhileReadingAndNoThreadStaysBatch() throws Exception {
        try (SocketChannel ch = connect()) {
            byte[] raw = chunked(context, new Random(3));
            send(ch, head("t=body:batch", "Transfer-Encoding: chunked\r\n").getBytes(StandardCharsets.US_ASCII));
            send(ch, java.util.Arrays.copyOf(raw, raw.length / 2)); // and then wait: the threads are reading
            // the highest policy each was seen with: a reader leaves batch for a moment to start a build preview
            java.util.Map<String, Integer> seen = new java.util.HashMap<>();
            for (int i = 0; i < 100 && !(Integer.valueOf(3).equals(seen.get("context-reader")) && Integer.valueOf(3).equals(seen.get("context-parser"))); i++) {
                threadPolicies("context-").forEach((name, policy) -> seen.merge(name, policy, Math::max));
                Thread.sleep(20);
            }
            assertThat(seen).containsEntry("context-reader", 3).containsEntry("context-parser", 3);
            send(ch, java.util.Arrays.copyOfRange(raw, raw.length / 2, raw.length));
            assertThat(answer(ch).body()).contains("Successfully tagged body:batch");
        }
        var builds = new java.util.ArrayList<java.util.concurrent.CompletableFuture<ApiResult>>();
        for (int i = 0; i < 4; i++) { // at once, so that pools add threads while context threads run
            String tag = "body:batch" + i;
            builds.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return berthd.apiRaw("POST", "/v1.41/build?t=" + tag, "application/x-tar", context);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (var b : builds) {
            assertThat(b.get(120, java.util.concurrent.TimeUnit.SECONDS).body()).contains("Successfully built");
        }
        assertThat(threadPolicies("")).as("threads of berthd under SCHED_BATCH after the builds").doesNotContainValue(3);
    }

    /**
     * A repeated body is built from the cache while it arrives (the build preview), but an image the
     * preview found and that is deleted before the body's last byte is not the answer: the build makes it again.
     */
    @Test
    void aRepeatWhoseImageIsDeletedBeforeItsLastByteIsBuiltAgain() throws Exception {
        String first = builtId(berthd.apiRaw("POST", "/v1.41/build?t=body:gone", "application/x-tar", context).body());
        berthd.apiRaw("POST", "/v1.41/build", "application/x-tar", context); // retained again, whatever ran before
        int ready = readyPreviews();
        try (SocketChannel ch = connect()) {
            send(ch, head("t=body:gone", "Content-Length: " + context.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            int most = context.length * 3 / 4;
            send(ch, java.util.Arrays.copyOf(context, most));
            for (int i = 0; i < 400 && readyPreviews() == ready; i++) {
                Thread.sleep(50);
            }
            assertThat(readyPreviews()).as("the preview finished while the body was still arriving").isGreaterThan(ready);
            berthd.dockerOk("rmi", "-f", first); // every build of this context made the same image, tagged by other tests too
            assertThat(berthd.docker("image", "inspect", first).exitCode()).isNotZero();
            send(ch, java.util.Arrays.copyOfRange(context, most, context.length));
            String body = answer(ch).body();
            assertThat(body).contains("Successfully tagged body:gone").contains("Running in");
            String again = builtId(body);
            assertThat(again).isNotEqualTo(first);
            assertThat(berthd.dockerOk("image", "inspect", "--format", "{{.Id}}", "body:gone").out()).contains(again);
        }
    }

    private static int readyPreviews() {
        return (int) java.util.regex.Pattern.compile("build preview ready: ").matcher(berthd.log()).results().count();
    }

    private static String builtId(String answer) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Successfully built ([0-9a-f]{12})").matcher(answer);
        assertThat(m.find()).as(answer).isTrue();
        return m.group(1);
    }

    /**
     * A fully cached build keeps its context in memory and needs no scratch space: nothing is made
     * under the data root's build directory. (A build whose steps run does make its directories there,
     * which shows the watch sees them.)
     */
    @Test
    void aFullyCachedBuildWritesNothingUnderTheBuildDirectory() throws Exception {
        assertThat(berthd.apiRaw("POST", "/v1.41/build?t=body:disk", "application/x-tar", context).body()).contains("Successfully built");
        java.nio.file.Path tmp = berthd.dataRoot().resolve("build/tmp");
        try (var watch = tmp.getFileSystem().newWatchService()) {
            tmp.register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            ApiResult cached = berthd.apiRaw("POST", "/v1.41/build?t=body:disk", "application/x-tar", context);
            assertThat(cached.body()).contains("Using cache").contains("Successfully built");
            assertThat(created(watch)).as("made for a cached build").isEmpty();
            berthd.apiRaw("POST", "/v1.41/build?t=body:disk&nocache=1", "application/x-tar", context);
            assertThat(created(watch)).as("made for a build that ran its steps").isNotEmpty();
        }
    }

    private static java.util.List<String> created(java.nio.file.WatchService watch) throws InterruptedException {
        java.util.List<String> names = new java.util.ArrayList<>();
        var key = watch.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS);
        while (key != null) {
            key.pollEvents().forEach(e -> names.add(String.valueOf(e.context())));
            key.reset();
            key = watch.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return names;
    }

    /** Scheduling policy (field 41 of /proc stat) of berthd's threads whose name starts with {@code prefix}. */
    private static java.util.Map<String, Integer> threadPolicies(String prefix) throws IOException {
        java.util.Map<String, Integer> out = new java.util.HashMap<>();
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc", Long.toString(berthd.pid()), "task"))) {
            for (java.nio.file.Path t : tasks.toList()) {
                String stat;
                try {
                    stat = java.nio.file.Files.readString(t.resolve("stat"));
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                if (name.startsWith(prefix)) {
                    out.merge(name + (prefix.isEmpty() ? "#" + t.getFileName() : ""), Integer.parseInt(after[41 - 3]), Math::max);
                }
            }
        }
        return out;
    }

    @Test
    void aBodyWithAContentLengthArrivesIntact() throws Exception {
        ApiResult r = berthd.apiRaw("POST", "/v1.41/build?t=body:length", "application/x-tar", context);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("Successfully tagged body:length").doesNotContain("errorDetail");
    }

    @Test
    void brokenChunkedFramingIsABadRequest() throws Exception {
        try (SocketChannel ch = connect()) {
            send(ch, (head("t=body:broken", "Transfer-Encoding: chunked\r\n") + "400\r\n").getBytes(StandardCharsets.US_ASCII));
            send(ch, java.util.Arrays.copyOf(context, 0x400));
            send(ch, "\r\nnot-hex\r\n".getBytes(StandardCharsets.US_ASCII));
            ApiResult r = answer(ch);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.body()).contains("chunked body: invalid chunk size line");
        }
        assertThat(berthd.api("GET", "/_ping", null).status()).isEqualTo(200);
    }

    @Test
    void aClientLeavingMidBodyLeavesBerthdServing() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (SocketChannel ch = connect()) {
                send(ch, head("t=body:gone", "Content-Length: " + context.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                send(ch, java.util.Arrays.copyOf(context, context.length / 2));
            }
        }
        ApiResult r = berthd.apiRaw("POST", "/v1.41/build?t=body:after", "application/x-tar", context);
        assertThat(r.body()).contains("Successfully tagged body:after");
        assertThat(berthd.docker("image", "inspect", "body:gone").exitCode()).as("no image from a cut body").isNotZero();
    }

    @Test
    void aRequestRefusedBeforeItsBodyIsReadStillGetsItsAnswer() throws Exception {
        try (SocketChannel ch = connect()) {
            send(ch, head("t=NOT:a:valid:tag", "Transfer-Encoding: chunked\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] endless = chunked(java.util.Arrays.copyOf(context, 1 << 20), new Random(2));
            int last = "0\r\nX-Trailer: yes\r\n\r\n".length();
            send(ch, java.util.Arrays.copyOf(endless, endless.length - last)); // no last chunk: the body never ends
            ApiResult r = answer(ch);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.body()).contains("invalid reference format");
        }
    }
}
