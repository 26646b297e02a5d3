package dev.berth.cli.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Docker's multiplexed stream: frames of an 8-byte header (stream byte, three zero bytes,
 * big-endian uint32 length) and the payload. Stream 0/1 go to stdout, 2 to stderr, 3 (systemerr)
 * ends the copy with the daemon's error.
 */
public final class StreamDemux {
    private StreamDemux() {}

    /** Copies frames until end of stream; flushes after each frame so output is live. */
    public static void copy(InputStream in, OutputStream stdout, OutputStream stderr) throws IOException {
        byte[] header = new byte[8];
        byte[] buf = new byte[32 * 1024];
        while (true) {
            int got = in.readNBytes(header, 0, 8);
            if (got == 0) {
                return;
            }
            if (got < 8) {
                throw new IOException("truncated stream header");
            }
            int stream = header[0];
            long len = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
            OutputStream target = switch (stream) {
                case 0, 1 -> stdout;
                case 2 -> stderr;
                case 3 -> null;
                default -> throw new IOException("Unrecognized input header: " + stream);
            };
            if (target == null) {
                byte[] msg = in.readNBytes((int) Math.min(len, 1 << 20));
                throw new IOException("error from daemon in stream: " + new String(msg, StandardCharsets.UTF_8));
            }
            while (len > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, len));
                if (n < 0) {
                    throw new IOException("truncated stream frame");
                }
                target.write(buf, 0, n);
                len -= n;
            }
            target.flush();
        }
    }

    /** Encodes one frame (for tests and tools). */
    public static byte[] frame(int stream, byte[] payload) {
        byte[] f = new byte[8 + payload.length];
        f[0] = (byte) stream;
        f[4] = (byte) (payload.length >>> 24);
        f[5] = (byte) (payload.length >>> 16);
        f[6] = (byte) (payload.length >>> 8);
        f[7] = (byte) payload.length;
        System.arraycopy(payload, 0, f, 8, payload.length);
        return f;
    }
}
