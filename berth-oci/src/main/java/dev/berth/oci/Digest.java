package dev.berth.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest such as {@code sha256:<64 hex>}; validated on parse, so it is safe in paths. */
public record Digest(String algorithm, String hex) {
    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        switch (algorithm) {
            case "sha256" -> require(SHA256, hex, algorithm);
            case "sha512" -> require(SHA512, hex, algorithm);
            default -> throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
        }
    }

    private static void require(Pattern p, String hex, String alg) {
        if (hex == null || !p.matcher(hex).matches()) {
            throw new IllegalArgumentException("invalid " + alg + " digest: " + hex);
        }
    }

    /** Parses {@code algorithm:hex}. */
    public static Digest parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("invalid digest: " + text);
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    public static boolean isDigest(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static Digest sha256(byte[] content) {
        return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(content)));
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Digest ofSha256(MessageDigest md) {
        return new Digest("sha256", HexFormat.of().formatHex(md.digest()));
    }

    /** The first 12 hex characters, as docker prints short IDs. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
