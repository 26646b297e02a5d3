package dev.berth.registry;

import dev.berth.oci.Digest;

import java.util.regex.Pattern;

/** Validation of repository names, tags and digests as the spec defines them; valid values are safe in paths. */
public final class Names {
    private static final Pattern NAME = Pattern.compile(
            "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    /** Clients limit host + "/" + name to 255 characters; a name alone can never be longer. */
    private static final int MAX_NAME = 255;

    private Names() {}

    public static String repository(String name) {
        if (name == null || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid repository name: " + name);
        }
        return name;
    }

    public static boolean isTag(String reference) {
        return TAG.matcher(reference).matches();
    }

    public static Digest digest(String text) {
        try {
            return Digest.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, e.getMessage());
        }
    }
}
