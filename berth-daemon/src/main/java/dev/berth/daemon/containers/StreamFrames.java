package dev.berth.daemon.containers;

import java.io.IOException;
import java.io.OutputStream;

/** Docker's multiplexed stream framing: 8-byte header (stream, 0, 0, 0, big-endian length) then the bytes. */
final class StreamFrames {
    static final String MULTIPLEXED = "application/vnd.docker.multiplexed-stream";
    static final String RAW = "application/vnd.docker.raw-stream";

    private StreamFrames() {}

    /** Writes one frame, or the bare bytes when the container has a TTY (one merged stream). */
    static void write(OutputStream out, boolean tty, int stream, byte[] data, int off, int len) throws IOException {
        if (tty) {
            out.write(data, off, len);
            return;
        }
        byte[] frame = new byte[8 + len];
        frame[0] = (byte) stream;
        frame[4] = (byte) (len >>> 24);
        frame[5] = (byte) (len >>> 16);
        frame[6] = (byte) (len >>> 8);
        frame[7] = (byte) len;
        System.arraycopy(data, off, frame, 8, len);
        out.write(frame);
    }
}
