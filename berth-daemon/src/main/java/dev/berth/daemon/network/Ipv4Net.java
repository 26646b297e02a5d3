package dev.berth.daemon.network;

import java.util.Locale;

/**
 * An IPv4 prefix ({@code 10.210.0.0/24}) or, with {@code host}, an address in one
 * ({@code 10.210.0.1/24}). Addresses are unsigned 32-bit values held in an int.
 */
public record Ipv4Net(int address, int prefix) {

    public Ipv4Net {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("invalid prefix length " + prefix);
        }
    }

    /** {@code a.b.c.d/n}; a bare address is taken as /32. */
    public static Ipv4Net parse(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("empty address");
        }
        int slash = s.indexOf('/');
        int addr = parseAddress(slash < 0 ? s : s.substring(0, slash));
        int len;
        try {
            len = slash < 0 ? 32 : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid CIDR address: " + s);
        }
        if (len < 0 || len > 32) {
            throw new IllegalArgumentException("invalid CIDR address: " + s);
        }
        return new Ipv4Net(addr, len);
    }

    /** Dotted quad to int; anything else (IPv6, names, out-of-range parts) is refused. */
    public static int parseAddress(String s) {
        String[] p = s.trim().split("\\.", -1);
        if (p.length != 4) {
            throw new IllegalArgumentException("invalid IPv4 address: " + s);
        }
        int v = 0;
        for (String part : p) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("invalid IPv4 address: " + s);
            }
            int b = Integer.parseInt(part);
            if (b > 255) {
                throw new IllegalArgumentException("invalid IPv4 address: " + s);
            }
            v = (v << 8) | b;
        }
        return v;
    }

    public static String format(int a) {
        return String.format(Locale.ROOT, "%d.%d.%d.%d", a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
    }

    public static boolean isAddress(String s) {
        try {
            parseAddress(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public int mask() {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The prefix itself, host bits cleared. */
    public Ipv4Net network() {
        return new Ipv4Net(address & mask(), prefix);
    }

    public int first() {
        return address & mask();
    }

    public int last() {
        return first() | ~mask();
    }

    /** Number of addresses in the prefix. */
    public long size() {
        return 1L << (32 - prefix);
    }

    public boolean contains(int a) {
        return (a & mask()) == first();
    }

    public boolean contains(Ipv4Net other) {
        return other.prefix >= prefix && contains(other.address);
    }

    public boolean overlaps(Ipv4Net other) {
        return contains(other.first()) || other.contains(first());
    }

    /** The address alone, dotted. */
    public String addressString() {
        return format(address);
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefix;
    }
}
