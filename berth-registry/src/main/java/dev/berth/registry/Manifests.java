package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.Digest;
import dev.berth.oci.MediaTypes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Checks a pushed manifest: its media type, its schema version and the descriptors it references. */
final class Manifests {
    static final Set<String> IMAGE_TYPES = Set.of(MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST);
    static final Set<String> INDEX_TYPES = Set.of(MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST_LIST);

    /**
     * What a validated manifest is and what it points at; {@code subject}, {@code artifactType} (for image
     * manifests falling back to the config's media type, as the referrers API wants) and {@code annotations}
     * describe it in a referrers list.
     */
    record Parsed(String mediaType, List<Digest> blobs, List<Digest> manifests, Optional<Digest> subject,
                  Optional<String> artifactType, JsonNode annotations) {}

    private Manifests() {}

    static Parsed parse(ObjectMapper mapper, byte[] body, String contentType) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException e) {
            throw invalid("manifest is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("manifest is not a JSON object");
        }
        if (root.path("schemaVersion").asInt(0) != 2) {
            throw invalid("only schemaVersion 2 manifests are accepted (Docker schema 1 is not supported)");
        }
        String header = contentType == null ? "" : contentType.split(";", 2)[0].strip();
        String declared = root.path("mediaType").asText("");
        if (!declared.isEmpty() && !header.isEmpty() && !declared.equals(header)) {
            throw invalid("Content-Type " + header + " does not match the manifest's mediaType " + declared);
        }
        String type = declared.isEmpty() ? header : declared;
        if (type.isEmpty() && root.has("layers")) {
            type = MediaTypes.OCI_MANIFEST;
        } else if (type.isEmpty() && root.has("manifests")) {
            type = MediaTypes.OCI_INDEX;
        }
        List<Digest> blobs = new ArrayList<>();
        List<Digest> manifests = new ArrayList<>();
        Optional<String> artifactType = Optional.of(root.path("artifactType").asText(""))
                .filter(t -> !t.isEmpty());
        if (IMAGE_TYPES.contains(type)) {
            if (artifactType.isEmpty()) {
                artifactType = Optional.of(root.path("config").path("mediaType").asText("")).filter(t -> !t.isEmpty());
            }
            blobs.add(descriptor(root.path("config"), "config"));
            JsonNode layers = root.path("layers");
            if (!layers.isArray()) {
                throw invalid("manifest has no layers array");
            }
            for (JsonNode layer : layers) {
                Digest d = descriptor(layer, "layer");
                // Foreign (non-distributable) layers live at their URLs, not in this registry.
                if (!layer.has("urls")) {
                    blobs.add(d);
                }
            }
        } else if (INDEX_TYPES.contains(type)) {
            JsonNode list = root.path("manifests");
            if (!list.isArray()) {
                throw invalid("index has no manifests array");
            }
            for (JsonNode m : list) {
                manifests.add(descriptor(m, "manifest"));
            }
        } else {
            throw invalid("unsupported manifest media type: " + (type.isEmpty() ? "(none)" : type));
        }
        Optional<Digest> subject = root.has("subject")
                ? Optional.of(descriptor(root.path("subject"), "subject")) : Optional.empty();
        return new Parsed(type, blobs, manifests, subject, artifactType, root.path("annotations"));
    }

    private static Digest descriptor(JsonNode node, String what) {
        if (!node.isObject() || !node.path("digest").isTextual()) {
            throw invalid(what + " descriptor has no digest");
        }
        try {
            return Digest.parse(node.path("digest").asText());
        } catch (IllegalArgumentException e) {
            throw invalid(what + " descriptor: " + e.getMessage());
        }
    }

    private static RegistryException invalid(String detail) {
        return new RegistryException(ErrorCode.MANIFEST_INVALID, detail);
    }
}
