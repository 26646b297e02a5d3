package dev.berth.daemon.runtime;

import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSelectorProvider;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One connection to conmon's attach socket ({@code SOCK_SEQPACKET}): each packet read is one
 * stream byte (2 stdout, 3 stderr) and the data; what is written is raw stdin. Closing a
 * connection makes conmon close the container's stdin unless it runs with --leave-stdin-open.
 * Reads block in native code: call them from platform threads.
 */
public final class AttachSocket implements AutoCloseable {
    public static final int STDOUT = 2;
    public static final int STDERR = 3;

    /** One packet: its stream and data. */
    public record Packet(int stream, byte[] data) {}

    private final AFUNIXDatagramChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(8193 + 64);

    private AttachSocket(AFUNIXDatagramChannel ch) {
        this.ch = ch;
    }

    public static AttachSocket connect(Path socket) throws IOException {
        AFUNIXDatagramChannel ch = AFUNIXSelectorProvider.provider().openDatagramChannel(AFSocketType.SOCK_SEQPACKET);
        try {
            ch.connect(AFUNIXSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new AttachSocket(ch);
    }

    /** The next packet, or null at end of stream (the container's output is closed). */
    public Packet read() throws IOException {
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                return null;
            }
            if (n == 0) {
                // a zero-length packet is conmon's end of stream
                return null;
            }
            buf.flip();
            int stream = buf.get() & 0xff;
            byte[] data = new byte[buf.remaining()];
            buf.get(data);
            if (data.length > 0) {
                return new Packet(stream, data);
            }
        }
    }

    public void write(byte[] data, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data, off, len);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * Ends the input (shutdown for writing): conmon reads end of file and closes the container's
     * stdin, while output keeps coming. Unlike a close, this holds even when conmon has not accepted
     * the connection yet: a connection closed before its accept is reset and its data lost.
     */
    public void shutdownOutput() throws IOException {
        Integer fd = org.newsclub.net.unix.FileDescriptorCast.using(ch.getFileDescriptor()).as(Integer.class);
        dev.berth.sys.Libc.shutdown(fd, dev.berth.sys.Libc.SHUT_WR);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
