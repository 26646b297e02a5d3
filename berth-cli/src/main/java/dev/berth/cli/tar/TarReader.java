package dev.berth.cli.tar;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream: ustar, PAX extended headers (path, linkpath, size, uid, gid, mtime, atime)
 * and GNU long names and base-256 numbers. Checksums are verified; the content of the current
 * entry is read through {@link #content()} until {@link #next()} is called again.
 */
public final class TarReader {
    private static final int BLOCK = 512;
    /** Bounds PAX and GNU long-name records, which are read into memory. */
    private static final long MAX_META = 1 << 20;

    private final InputStream in;
    private long left;    // content bytes of the current entry not yet read
    private long padding; // zero bytes after the current entry's content
    private final InputStream content = new Content();

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry's header, or null at the end of the archive. */
    public TarHeader next() throws IOException {
        skip(left + padding);
        left = 0;
        padding = 0;
        Map<String, String> pax = new HashMap<>();
        String longName = null;
        String longLink = null;
        while (true) {
            byte[] b = new byte[BLOCK];
            if (!readBlock(b)) {
                return null;
            }
            if (isZero(b)) {
                return null;
            }
            verifyChecksum(b);
            char type = (char) b[156];
            long size = number(b, 124, 12, "size");
            if (size < 0) {
                throw new TarFormatException("negative size");
            }
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                if (size > MAX_META) {
                    throw new TarFormatException("extended header too large");
                }
                byte[] data = readExactly((int) size);
                skip(pad(size));
                switch (type) {
                    case 'x' -> pax.putAll(paxRecords(data));
                    case 'L' -> longName = cString(data, 0, data.length);
                    case 'K' -> longLink = cString(data, 0, data.length);
                    default -> { } // global headers carry nothing an extraction needs
                }
                continue;
            }
            boolean posix = b[257] == 'u' && b[258] == 's' && b[259] == 't' && b[260] == 'a' && b[261] == 'r' && b[262] == 0;
            String name = cString(b, 0, 100);
            if (posix && b[345] != 0) {
                name = cString(b, 345, 155) + "/" + name;
            }
            String link = cString(b, 157, 100);
            long uid = number(b, 108, 8, "uid");
            long gid = number(b, 116, 8, "gid");
            long mtime = number(b, 136, 12, "mtime") * 1_000_000_000L;
            long atime = -1;
            if (longName != null) {
                name = longName;
            }
            if (longLink != null) {
                link = longLink;
            }
            if (pax.containsKey("path")) {
                name = pax.get("path");
            }
            if (pax.containsKey("linkpath")) {
                link = pax.get("linkpath");
            }
            size = paxLong(pax, "size", size);
            uid = paxLong(pax, "uid", uid);
            gid = paxLong(pax, "gid", gid);
            if (pax.containsKey("mtime")) {
                mtime = paxTime(pax.get("mtime"));
            }
            if (pax.containsKey("atime")) {
                atime = paxTime(pax.get("atime"));
            }
            if (type == 0 || type == '7') {
                type = name.endsWith("/") ? TarHeader.DIR : TarHeader.FILE;
            }
            boolean hasData = type == TarHeader.FILE;
            left = hasData ? size : 0;
            padding = hasData ? pad(size) : 0;
            if (!hasData && size > 0 && type != TarHeader.DIR && type != TarHeader.SYMLINK && type != TarHeader.HARDLINK) {
                // unknown types may still carry data: skip it
                padding = size + pad(size);
            }
            int mode = (int) (number(b, 100, 8, "mode") & 07777);
            int major = (int) number(b, 329, 8, "devmajor");
            int minor = (int) number(b, 337, 8, "devminor");
            return new TarHeader(name, type, mode, uid, gid, hasData ? size : 0, mtime, atime, link, major, minor);
        }
    }

    /** The current entry's content (empty for anything but a regular file). */
    public InputStream content() {
        return content;
    }

    private final class Content extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("unexpected end of tar archive");
            }
            left -= n;
            return n;
        }
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private boolean readBlock(byte[] b) throws IOException {
        int got = in.readNBytes(b, 0, BLOCK);
        if (got == 0) {
            return false; // no end-of-archive blocks: accepted, as Go's reader does
        }
        if (got < BLOCK) {
            throw new TarFormatException("unexpected end of tar archive");
        }
        return true;
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] d = in.readNBytes(n);
        if (d.length < n) {
            throw new TarFormatException("unexpected end of tar archive");
        }
        return d;
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new TarFormatException("unexpected end of tar archive");
                }
                s = 1;
            }
            n -= s;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void verifyChecksum(byte[] b) throws TarFormatException {
        long want = number(b, 148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = i >= 148 && i < 156 ? ' ' : b[i];
            unsigned += v & 0xff;
            signed += v;
        }
        if (want != unsigned && want != signed) {
            throw new TarFormatException("invalid tar header checksum");
        }
    }

    /** A numeric field: octal (NUL or space terminated) or GNU base-256 when the high bit is set. */
    static long number(byte[] b, int off, int len, String what) throws TarFormatException {
        if ((b[off] & 0x80) != 0) {
            if ((b[off] & 0x40) != 0) {
                throw new TarFormatException("negative " + what);
            }
            long v = b[off] & 0x3f;
            for (int i = 1; i < len; i++) {
                if (v >>> 55 != 0) {
                    throw new TarFormatException(what + " out of range");
                }
                v = (v << 8) | (b[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        for (; i < end && b[i] != 0 && b[i] != ' '; i++) {
            if (b[i] < '0' || b[i] > '7' || v >>> 60 != 0) {
                throw new TarFormatException("invalid " + what + " field");
            }
            v = v * 8 + (b[i] - '0');
        }
        return v;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** PAX records: "{length} {key}={value}\n", the length counting the whole record. */
    private static Map<String, String> paxRecords(byte[] data) throws TarFormatException {
        Map<String, String> m = new HashMap<>();
        int i = 0;
        while (i < data.length) {
            if (data[i] == 0) {
                break;
            }
            int sp = i;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, i, sp - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new TarFormatException("invalid PAX record");
            }
            if (len <= sp - i + 1 || i + len > data.length || data[i + len - 1] != '\n') {
                throw new TarFormatException("invalid PAX record");
            }
            String rec = new String(data, sp + 1, i + len - 1 - (sp + 1), StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            if (eq <= 0) {
                throw new TarFormatException("invalid PAX record");
            }
            m.put(rec.substring(0, eq), rec.substring(eq + 1));
            i += len;
        }
        return m;
    }

    private static long paxLong(Map<String, String> pax, String key, long dflt) throws TarFormatException {
        String v = pax.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new TarFormatException("invalid PAX " + key);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new TarFormatException("invalid PAX " + key);
        }
    }

    private static long paxTime(String v) throws TarFormatException {
        try {
            return new BigDecimal(v).movePointRight(9).longValue();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TarFormatException("invalid PAX time " + v);
        }
    }
}
