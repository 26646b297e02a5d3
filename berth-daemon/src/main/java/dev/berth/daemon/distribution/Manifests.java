package dev.berth.daemon.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.daemon.images.ImageService.Platform;
import dev.berth.oci.Digest;
import dev.berth.oci.MediaTypes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Parsing of image manifests and indexes (OCI and Docker schema 2), and platform choice in an index. */
public final class Manifests {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Layers a registry need not serve; they may come from their {@code urls}. */
    public static final Set<String> NON_DISTRIBUTABLE = Set.of(
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");
    private static final Set<String> LAYER_TYPES = Set.of(MediaTypes.OCI_LAYER, MediaTypes.OCI_LAYER_GZIP,
            MediaTypes.OCI_LAYER_ZSTD, MediaTypes.DOCKER_LAYER_GZIP, "application/vnd.docker.image.rootfs.diff.tar");

    /** A content descriptor. {@code platform} only in indexes. */
    public record Descriptor(String mediaType, Digest digest, long size, List<String> urls, Platform platform) {}

    /** An image manifest: config and layers, bottom first. */
    public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers) {}

    /** A manifest list or image index. */
    public record Index(String mediaType, List<Descriptor> manifests) {}

    private Manifests() {}

    public static boolean isIndex(String mediaType) {
        return MediaTypes.OCI_INDEX.equals(mediaType) || MediaTypes.DOCKER_MANIFEST_LIST.equals(mediaType);
    }

    /** The media type of a manifest: its declared field, else the HTTP type, else guessed from its shape. */
    public static String mediaType(byte[] body, String httpType) throws IOException {
        JsonNode n = tree(body);
        String declared = n.path("mediaType").asText("");
        if (!declared.isEmpty()) {
            return declared;
        }
        if (httpType != null && (isIndex(httpType) || httpType.equals(MediaTypes.OCI_MANIFEST) || httpType.equals(MediaTypes.DOCKER_MANIFEST))) {
            return httpType;
        }
        return n.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }

    private static JsonNode tree(byte[] body) throws IOException {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw new RegistryException(500, "invalid manifest: not a JSON object");
            }
            return n;
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryException(500, "invalid manifest: " + e.getMessage());
        }
    }

    public static Index index(byte[] body, String mediaType) throws IOException {
        JsonNode n = tree(body);
        List<Descriptor> out = new ArrayList<>();
        for (JsonNode m : n.path("manifests")) {
            out.add(descriptor(m));
        }
        return new Index(mediaType, out);
    }

    public static ImageManifest image(byte[] body, String mediaType) throws IOException {
        JsonNode n = tree(body);
        if (n.path("schemaVersion").asInt() == 1) {
            throw new RegistryException(500, "schema 1 manifests are not supported; push the image again with a current client");
        }
        if (!n.path("config").isObject()) {
            throw new RegistryException(500, "invalid manifest: no config");
        }
        Descriptor config = descriptor(n.get("config"));
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : n.path("layers")) {
            Descriptor d = descriptor(l);
            if (!LAYER_TYPES.contains(d.mediaType()) && !NON_DISTRIBUTABLE.contains(d.mediaType())) {
                throw new RegistryException(500, "unsupported layer media type " + d.mediaType());
            }
            layers.add(d);
        }
        return new ImageManifest(mediaType, config, layers);
    }

    private static Descriptor descriptor(JsonNode n) throws RegistryException {
        Digest d;
        try {
            d = Digest.parse(n.path("digest").asText(null));
        } catch (IllegalArgumentException e) {
            throw new RegistryException(500, "invalid manifest: " + e.getMessage());
        }
        if (!d.algorithm().equals("sha256")) {
            throw new RegistryException(500, "unsupported digest algorithm " + d.algorithm());
        }
        long size = n.path("size").asLong(-1);
        if (size < 0) {
            throw new RegistryException(500, "invalid manifest: descriptor " + d + " has no size");
        }
        List<String> urls = new ArrayList<>();
        n.path("urls").forEach(u -> urls.add(u.asText()));
        Platform p = null;
        JsonNode pl = n.path("platform");
        if (pl.isObject()) {
            p = new Platform(pl.path("os").asText(""), pl.path("architecture").asText(""),
                    pl.hasNonNull("variant") ? pl.get("variant").asText() : null);
        }
        return new Descriptor(n.path("mediaType").asText(""), d, size, List.copyOf(urls), p);
    }

    /**
     * The manifest in {@code index} for {@code want}, as containerd's matcher picks it: same OS and
     * architecture; the wanted variant if one is given, else the host's default variant first.
     *
     * @return null when no entry matches
     */
    public static Descriptor select(Index index, Platform want) {
        Descriptor best = null;
        int bestScore = -1;
        String wantVariant = normalizeVariant(want.architecture(), want.variant());
        for (Descriptor d : index.manifests()) {
            Platform p = d.platform();
            if (p == null || !p.os().equals(want.os()) || !normalizeArch(p.architecture()).equals(normalizeArch(want.architecture()))) {
                continue;
            }
            String v = normalizeVariant(p.architecture(), p.variant());
            int score;
            if (wantVariant == null) {
                score = v == null ? 2 : 1;
            } else if (wantVariant.equals(v)) {
                score = 3;
            } else if (v == null) {
                score = 1;
            } else {
                continue;
            }
            if (score > bestScore) {
                best = d;
                bestScore = score;
            }
        }
        return best;
    }

    private static String normalizeArch(String a) {
        return dev.berth.daemon.images.PlatformSpec.architecture(a);
    }

    private static String normalizeVariant(String arch, String variant) {
        if (variant == null || variant.isEmpty()) {
            return normalizeArch(arch).equals("arm64") ? "v8" : null;
        }
        return variant;
    }

    /**
     * Whether an image built for {@code have} serves {@code want}, by {@link #select}'s rules: same OS and
     * architecture, and the wanted variant unless either side leaves it open.
     */
    public static boolean matches(Platform have, Platform want) {
        if (!have.os().equals(want.os()) || !normalizeArch(have.architecture()).equals(normalizeArch(want.architecture()))) {
            return false;
        }
        String w = normalizeVariant(want.architecture(), want.variant());
        String h = normalizeVariant(have.architecture(), have.variant());
        return w == null || h == null || w.equals(h);
    }

    /** {@code os/arch[/variant]}, as docker prints a platform. */
    public static String format(Platform p) {
        return p.os() + "/" + p.architecture() + (p.variant() == null || p.variant().isEmpty() ? "" : "/" + p.variant());
    }
}
