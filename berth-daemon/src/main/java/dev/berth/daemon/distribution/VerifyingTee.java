package dev.berth.daemon.distribution;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.LongConsumer;

/**
 * Passes a blob through while copying every byte to {@code copy} (the content store's ingest),
 * and refuses one that is longer or shorter than its descriptor says. {@code progress} hears
 * the running count.
 */
final class VerifyingTee extends FilterInputStream {
    private final OutputStream copy;
    private final long expected;
    private final LongConsumer progress;
    private final String what;
    private long count;

    VerifyingTee(InputStream in, OutputStream copy, long expected, LongConsumer progress, String what) {
        super(in);
        this.copy = copy;
        this.expected = expected;
        this.progress = progress;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        int n = read(b, 0, 1);
        return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = super.read(b, off, len);
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryException(500, what + ": download failed after " + count + " of " + expected + " bytes: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        if (n < 0) {
            if (count != expected) {
                throw new RegistryException(500, what + " is truncated: got " + count + " of " + expected + " bytes");
            }
            return -1;
        }
        count += n;
        if (count > expected) {
            throw new RegistryException(500, what + " is longer than the " + expected + " bytes its descriptor says");
        }
        if (copy != null) {
            copy.write(b, off, n);
        }
        progress.accept(count);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 65536)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads what the consumer left (a compressed stream's trailer), so the copy and the count are whole. */
    void drain() throws IOException {
        byte[] buf = new byte[65536];
        while (read(buf, 0, buf.length) >= 0) {
            // counted and copied by read
        }
    }

    long count() {
        return count;
    }
}
