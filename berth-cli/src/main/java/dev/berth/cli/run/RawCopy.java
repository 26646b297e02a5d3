package dev.berth.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copies a raw (TTY) stream, flushing after every read so output is live. */
public final class RawCopy {
    private RawCopy() {}

    public static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[32 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            out.flush();
        }
    }
}
