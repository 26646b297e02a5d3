package dev.berth.daemon.volumes;

import dev.berth.daemon.api.ApiException;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Docker's rules for local volume names; a valid name can never be a path trick ({@code ..}, {@code /}). */
final class VolumeNames {
    private static final Pattern VALID = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
    private static final SecureRandom RANDOM = new SecureRandom();

    private VolumeNames() {}

    /** 400 with Docker's message unless {@code name} is a valid local volume name. */
    static void validate(String name) {
        if (name.length() == 1) {
            throw ApiException.badRequest("volume name is too short, names should be at least two alphanumeric characters");
        }
        if (!VALID.matcher(name).matches()) {
            throw ApiException.badRequest("\"" + name + "\" includes invalid characters for a local volume name, only "
                    + "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    static boolean isValid(String name) {
        return VALID.matcher(name).matches();
    }

    /** A name for an anonymous volume: 64 hex digits, as Docker makes them. */
    static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
