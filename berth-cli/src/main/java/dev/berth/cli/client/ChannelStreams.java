package dev.berth.cli.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Blocking streams over a connection that, unlike {@code Channels.newInputStream}, never share
 * a lock between reading and writing: attach reads output while another thread writes stdin.
 */
final class ChannelStreams {
    private ChannelStreams() {}

    /** A buffered input stream with {@link #readLine()} for HTTP heads. */
    static final class In extends InputStream {
        private final Connection ch;
        private final ByteBuffer buf = ByteBuffer.allocate(32 * 1024).flip();

        In(Connection ch) {
            this.ch = ch;
        }

        private boolean fill() throws IOException {
            if (buf.hasRemaining()) {
                return true;
            }
            buf.clear();
            int n = ch.read(buf);
            buf.flip();
            return n > 0;
        }

        @Override
        public int read() throws IOException {
            return fill() ? buf.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buf.remaining();
        }

        /** One CRLF- or LF-terminated line, without the terminator; null at end of stream. */
        String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = read()) >= 0) {
                if (c == '\n') {
                    int len = sb.length();
                    if (len > 0 && sb.charAt(len - 1) == '\r') {
                        sb.setLength(len - 1);
                    }
                    return sb.toString();
                }
                if (sb.length() > 64 * 1024) {
                    throw new IOException("HTTP header line too long");
                }
                sb.append((char) c);
            }
            return sb.isEmpty() ? null : sb.toString();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** An unbuffered output stream; callers write whole requests or whole chunks. */
    static final class Out extends OutputStream {
        private final Connection ch;

        Out(Connection ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ch.write(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public void close() throws IOException {
            ch.shutdownOutput();
        }
    }
}
