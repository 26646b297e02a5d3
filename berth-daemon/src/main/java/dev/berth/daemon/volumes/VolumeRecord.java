package dev.berth.daemon.volumes;

import java.util.Map;

/**
 * One volume as stored: its name, when it was made, its labels and the local driver's options
 * ({@code type}, {@code device}, {@code o}).
 */
public record VolumeRecord(String name, String createdAt, Map<String, String> labels, Map<String, String> options) {
    /** The label Docker puts on volumes made for a single container (prune removes only these by default). */
    public static final String ANONYMOUS_LABEL = "com.docker.volume.anonymous";

    public VolumeRecord {
        labels = Map.copyOf(labels);
        options = Map.copyOf(options);
    }

    public boolean anonymous() {
        return labels.containsKey(ANONYMOUS_LABEL);
    }
}
