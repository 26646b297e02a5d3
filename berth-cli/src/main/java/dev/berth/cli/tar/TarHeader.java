package dev.berth.cli.tar;

/**
 * One tar entry's header. {@code type} is the ustar type flag; times are nanoseconds since the
 * epoch ({@code atimeNanos} is -1 when the archive has none).
 */
public record TarHeader(String name, char type, int mode, long uid, long gid, long size, long mtimeNanos, long atimeNanos,
                        String linkName, int devMajor, int devMinor) {
    public static final char FILE = '0';
    public static final char HARDLINK = '1';
    public static final char SYMLINK = '2';
    public static final char CHARDEV = '3';
    public static final char BLOCKDEV = '4';
    public static final char DIR = '5';
    public static final char FIFO = '6';

    public boolean isDir() {
        return type == DIR;
    }

    public boolean isFile() {
        return type == FILE;
    }

    public TarHeader withName(String n) {
        return new TarHeader(n, type, mode, uid, gid, size, mtimeNanos, atimeNanos, linkName, devMajor, devMinor);
    }

    public TarHeader withLinkName(String l) {
        return new TarHeader(name, type, mode, uid, gid, size, mtimeNanos, atimeNanos, l, devMajor, devMinor);
    }
}
