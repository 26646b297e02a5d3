package dev.berth.daemon;

/** Berth's own version, reported by /version and in the Server header. */
public final class BerthVersion {
    public static final String VERSION = "0.1.0";

    private BerthVersion() {}
}
