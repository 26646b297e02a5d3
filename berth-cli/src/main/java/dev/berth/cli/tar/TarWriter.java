package dev.berth.cli.tar;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a tar stream in ustar format, with a PAX extended header before an entry whose name or
 * link target is too long or not ASCII, or whose size or ids do not fit the octal fields (as Go's
 * archive/tar, which Docker uses). Times are written in whole seconds.
 */
public final class TarWriter implements AutoCloseable {
    private static final int BLOCK = 512;
    private static final long MAX_SIZE = 077777777777L;
    private static final long MAX_ID = 07777777L;

    private final OutputStream out;
    private long left;
    private long padding;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Starts an entry; a regular file's {@code size} bytes must follow through {@link #write}. */
    public void put(TarHeader h) throws IOException {
        finishEntry();
        Map<String, String> pax = new LinkedHashMap<>();
        String name = h.name();
        String link = h.linkName() == null ? "" : h.linkName();
        if (!fits(name)) {
            pax.put("path", name);
        }
        if (!fits(link)) {
            pax.put("linkpath", link);
        }
        long size = h.isFile() ? h.size() : 0;
        if (size > MAX_SIZE) {
            pax.put("size", Long.toString(size));
        }
        if (h.uid() > MAX_ID) {
            pax.put("uid", Long.toString(h.uid()));
        }
        if (h.gid() > MAX_ID) {
            pax.put("gid", Long.toString(h.gid()));
        }
        if (!pax.isEmpty()) {
            byte[] data = paxData(pax);
            out.write(header(paxName(name), 'x', 0644, 0, 0, data.length, Math.floorDiv(h.mtimeNanos(), 1_000_000_000L), "", 0, 0));
            out.write(data);
            out.write(new byte[(int) pad(data.length)]);
        }
        out.write(header(pax.containsKey("path") ? truncate(name) : name, h.type(), h.mode(),
                h.uid() > MAX_ID ? 0 : h.uid(), h.gid() > MAX_ID ? 0 : h.gid(), size > MAX_SIZE ? 0 : size,
                Math.floorDiv(h.mtimeNanos(), 1_000_000_000L), pax.containsKey("linkpath") ? truncate(link) : link,
                h.devMajor(), h.devMinor()));
        left = size;
        padding = pad(size);
    }

    /** Content of the current regular file. */
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > left) {
            throw new IOException("tar entry content longer than its size");
        }
        out.write(b, off, len);
        left -= len;
    }

    /** The stream the current entry's content is written to. */
    public OutputStream content() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                TarWriter.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                TarWriter.this.write(b, off, len);
            }
        };
    }

    private void finishEntry() throws IOException {
        if (left != 0) {
            throw new IOException("tar entry content shorter than its size");
        }
        out.write(new byte[(int) padding]);
        padding = 0;
    }

    /** Ends the archive (two zero blocks) and flushes; does not close the underlying stream. */
    public void finish() throws IOException {
        finishEntry();
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static boolean fits(String s) {
        if (s.length() > 100) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String truncate(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c > 0 && c <= 0x7f ? c : '_');
        }
        return b.toString();
    }

    /** Go names PAX headers "{dir}/PaxHeaders.0/{base}"; readers ignore the name. */
    private static String paxName(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        int slash = n.lastIndexOf('/');
        String dir = slash < 0 ? "." : n.substring(0, slash);
        return truncate(dir + "/PaxHeaders.0/" + n.substring(slash + 1));
    }

    private static byte[] paxData(Map<String, String> pax) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : pax.entrySet()) {
            String rec = " " + e.getKey() + "=" + e.getValue() + "\n";
            int body = rec.getBytes(StandardCharsets.UTF_8).length;
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) {
                len = body + Integer.toString(len).length(); // the length's own digits count too
            }
            sb.append(len).append(rec);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] header(String name, char type, int mode, long uid, long gid, long size, long mtime, String link,
                                 int major, int minor) {
        byte[] b = new byte[BLOCK];
        text(b, 0, 100, name);
        octal(b, 100, 8, mode & 07777);
        octal(b, 108, 8, uid);
        octal(b, 116, 8, gid);
        octal(b, 124, 12, size);
        octal(b, 136, 12, Math.max(0, mtime));
        b[156] = (byte) type;
        text(b, 157, 100, link);
        text(b, 257, 6, "ustar");
        b[263] = '0';
        b[264] = '0';
        if (type == TarHeader.CHARDEV || type == TarHeader.BLOCKDEV) {
            octal(b, 329, 8, major);
            octal(b, 337, 8, minor);
        }
        for (int i = 148; i < 156; i++) {
            b[i] = ' ';
        }
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        String s = String.format("%06o", sum);
        text(b, 148, 7, s);
        b[154] = 0;
        b[155] = ' ';
        return b;
    }

    private static void text(byte[] b, int off, int len, String s) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(v, 0, b, off, Math.min(len, v.length));
    }

    private static void octal(byte[] b, int off, int len, long v) {
        String s = Long.toOctalString(v);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        text(b, off, len - 1, padded);
        b[off + len - 1] = 0;
    }
}
