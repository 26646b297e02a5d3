package dev.berth.cli.build;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal ustar writer for build contexts: directories, regular files and symlinks, with a PAX
 * header for names or link targets too long for ustar's fields. Entries are owned by 0:0, as the
 * docker CLI sends a context.
 */
public final class TarWriter implements AutoCloseable {
    private static final int BLOCK = 512;
    private final OutputStream out;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    public void dir(String name, int mode, long mtimeSeconds) throws IOException {
        header(name.endsWith("/") ? name : name + "/", mode, 0, mtimeSeconds, '5', "");
    }

    public void symlink(String name, String target, long mtimeSeconds) throws IOException {
        header(name, 0777, 0, mtimeSeconds, '2', target);
    }

    /** A regular file: the header, then exactly {@code size} bytes from {@code content}, then padding. */
    public void file(String name, int mode, long size, long mtimeSeconds, java.io.InputStream content) throws IOException {
        header(name, mode, size, mtimeSeconds, '0', "");
        long copied = content.transferTo(out);
        if (copied != size) {
            throw new IOException(name + " changed size while it was sent (" + size + " -> " + copied + ")");
        }
        pad(size);
    }

    private void header(String name, int mode, long size, long mtime, char type, String link) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100 || linkBytes.length > 100) {
            StringBuilder pax = new StringBuilder();
            if (nameBytes.length > 100) {
                pax.append(paxRecord("path", name));
            }
            if (linkBytes.length > 100) {
                pax.append(paxRecord("linkpath", link));
            }
            byte[] body = pax.toString().getBytes(StandardCharsets.UTF_8);
            out.write(block("PaxHeaders/entry", 0644, body.length, mtime, 'x', ""));
            out.write(body);
            pad(body.length);
        }
        out.write(block(name, mode, size, mtime, type, link));
    }

    /** A PAX record: "<len> key=value\n" where len counts the whole record, its own digits included. */
    private static String paxRecord(String key, String value) {
        int rest = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
        int len = rest + Integer.toString(rest).length();
        if (Integer.toString(len).length() != Integer.toString(rest).length()) {
            len++;
        }
        return len + " " + key + "=" + value + "\n";
    }

    private static byte[] block(String name, int mode, long size, long mtime, char type, String link) {
        byte[] b = new byte[BLOCK];
        put(b, 0, 100, name);
        octal(b, 100, 8, mode & 07777);
        octal(b, 108, 8, 0);
        octal(b, 116, 8, 0);
        octal(b, 124, 12, size);
        octal(b, 136, 12, Math.max(0, mtime));
        java.util.Arrays.fill(b, 148, 156, (byte) ' ');
        b[156] = (byte) type;
        put(b, 157, 100, link);
        put(b, 257, 6, "ustar");
        b[263] = '0';
        b[264] = '0';
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        octal(b, 148, 7, sum);
        return b;
    }

    private static void put(byte[] b, int off, int len, String s) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(v, 0, b, off, Math.min(len, v.length));
    }

    /** An octal number, zero-padded and NUL-terminated, in a field of {@code len} bytes. */
    private static void octal(byte[] b, int off, int len, long v) {
        String s = Long.toOctalString(v);
        if (s.length() > len - 1) {
            throw new IllegalArgumentException("value too large for a tar header: " + v);
        }
        s = "0".repeat(len - 1 - s.length()) + s;
        put(b, off, len - 1, s);
        b[off + len - 1] = 0;
    }

    private void pad(long size) throws IOException {
        int rem = (int) (size % BLOCK);
        if (rem != 0) {
            out.write(new byte[BLOCK - rem]);
        }
    }

    /** Writes the two zero blocks that end an archive. */
    @Override
    public void close() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }
}
