package dev.berth.daemon.api;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Chunked coding undone in place, whatever the pieces the bytes arrive in; broken framing refused. */
class ChunkedDecoderTest {
    /** Encodes {@code data} in chunks of random sizes, with extensions and trailers now and then. */
    private static byte[] encode(byte[] data, Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < data.length) {
            int n = Math.min(data.length - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 40_000));
            String ext = rnd.nextInt(4) == 0 ? ";name=\"v;x\"" : "";
            out.writeBytes(((rnd.nextBoolean() ? Integer.toHexString(n) : Integer.toHexString(n).toUpperCase()) + ext + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(data, pos, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            pos += n;
        }
        out.writeBytes(("0\r\n" + (rnd.nextBoolean() ? "Trailer-One: 1\r\nX: y\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Feeds {@code raw} to a decoder in random pieces, each landing right after the data decoded so far. */
    private static byte[] decodeInPieces(byte[] raw, Random rnd, ChunkedDecoder d) throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(raw.length + 1);
            long w = 0;
            int r = 0;
            while (r < raw.length && !d.done()) {
                int n = Math.min(raw.length - r, 1 + rnd.nextInt(rnd.nextBoolean() ? 7 : 70_000));
                MemorySegment.copy(raw, r, seg, ValueLayout.JAVA_BYTE, w, n);
                r += n;
                w = d.decode(seg, w, w + n);
            }
            return seg.asSlice(0, w).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void givesBackTheDataWhateverThePieces() throws Exception {
        Random rnd = new Random(3);
        for (int i = 0; i < 300; i++) {
            byte[] data = new byte[rnd.nextInt(i < 50 ? 100 : 300_000)];
            rnd.nextBytes(data);
            ChunkedDecoder d = new ChunkedDecoder();
            assertThat(decodeInPieces(encode(data, rnd), rnd, d)).isEqualTo(data);
            assertThat(d.done()).isTrue();
        }
    }

    @Test
    void leavesWhatFollowsTheBodyAlone() throws Exception {
        byte[] raw = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ChunkedDecoder d = new ChunkedDecoder();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(raw.length);
            MemorySegment.copy(raw, 0, seg, ValueLayout.JAVA_BYTE, 0, raw.length);
            long end = d.decode(seg, 0, raw.length);
            assertThat(new String(seg.asSlice(0, end).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII)).isEqualTo("abc");
            assertThat(d.done()).isTrue();
        }
    }

    @Test
    void refusesBrokenFraming() {
        for (String bad : new String[] {"zz\r\n", "\r\n", "3\r\nabcd\r\n", "10000000000000000\r\n", ";ext\r\n", "-1\r\n",
                "1".repeat(ChunkedDecoder.MAX_LINE + 1)}) {
            byte[] raw = bad.getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> decodeInPieces(raw, new Random(1), new ChunkedDecoder()))
                    .as(bad.length() > 40 ? "a long line" : bad)
                    .isInstanceOf(ChunkedDecoder.MalformedBodyException.class);
        }
    }
}
