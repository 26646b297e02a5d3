package dev.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.Digest;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Manifest endpoints ({@code GET}/{@code HEAD}/{@code PUT}/{@code DELETE} by tag or digest, with content
 * negotiation and reference checks) and the referrers listing that manifest pushes feed.
 */
final class ManifestEndpoints {
    private final BlobStore blobs;
    private final Repositories repos;
    private final ReferrersIndex referrersIndex;
    private final ObjectMapper mapper;
    private final long maxManifest;

    ManifestEndpoints(BlobStore blobs, Repositories repos, ReferrersIndex referrersIndex, ObjectMapper mapper,
                      long maxManifest) {
        this.blobs = blobs;
        this.repos = repos;
        this.referrersIndex = referrersIndex;
        this.mapper = mapper;
        this.maxManifest = maxManifest;
    }


    private Digest resolve(String name, String ref) throws IOException {
        if (Names.isTag(ref)) {
            return repos.resolveTag(name, ref).orElseThrow(() -> manifestUnknown(name, ref));
        }
        return Names.digest(ref);
    }

    private static RegistryException manifestUnknown(String name, String ref) {
        return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest " + name + ":" + ref + " is unknown");
    }

    /**
     * Whether the client's Accept header admits a manifest type. A client that names no manifest type at all
     * (or a wildcard) gets whatever is stored; one that names some but not this one is told it is unknown,
     * as the reference registry does, rather than handed a format it said it cannot read.
     */
    private static boolean accepts(HttpHeaders headers, String type) {
        List<String> accepted = headers.getAll("Accept").stream()
                .flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(v -> v.split(";", 2)[0].strip())
                .filter(v -> !v.isEmpty())
                .toList();
        boolean namesManifests = accepted.stream().anyMatch(
                a -> Manifests.IMAGE_TYPES.contains(a) || Manifests.INDEX_TYPES.contains(a));
        return !namesManifests || accepted.contains(type) || accepted.contains("*/*");
    }

    Response get(String name, String ref, HttpHeaders headers, boolean withBody) throws IOException {
        Digest digest = resolve(name, ref);
        String type = repos.manifestType(name, digest).orElseThrow(() -> manifestUnknown(name, ref));
        if (!accepts(headers, type)) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest " + name + ":" + ref + " is " + type
                    + ", which the Accept header does not admit");
        }
        Response r = new Response(200)
                .header("Docker-Content-Digest", digest)
                .header("Content-Type", type);
        if (withBody) {
            r.body(type, claimed(digest, blobs::read).orElseThrow(() -> manifestUnknown(name, ref)));
        } else {
            r.file(null, 0, claimed(digest, blobs::size).orElseThrow(() -> manifestUnknown(name, ref)));
        }
        return r;
    }

    /** Reads something of a stored blob. */
    @FunctionalInterface
    private interface BlobRead<T> {
        T apply(Digest d) throws IOException;
    }

    /**
     * {@code read} of a manifest's blob, empty when the blob is gone. Claimed, not just looked for: a running
     * collection may have set the blob aside for a moment (claiming puts it back), and may do so again between
     * the claim and the read, hence the further tries.
     */
    private <T> Optional<T> claimed(Digest digest, BlobRead<T> read) throws IOException {
        for (int attempt = 0; ; attempt++) {
            if (!blobs.claim(digest)) {
                return Optional.empty();
            }
            try {
                return Optional.of(read.apply(digest));
            } catch (java.nio.file.NoSuchFileException setAside) {
                if (attempt == 2) {
                    return Optional.empty();
                }
            }
        }
    }

    Body put(String name, String ref, HttpHeaders headers) {
        if (!Names.isTag(ref)) {
            Names.digest(ref);
        }
        String cl = headers.get("Content-Length");
        if (cl != null && Long.parseLong(cl) > maxManifest) {
            throw tooLarge();
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        return new Body() {
            @Override
            public void data(ByteBuf chunk) throws IOException {
                if (buf.size() + chunk.readableBytes() > maxManifest) {
                    throw tooLarge();
                }
                chunk.getBytes(chunk.readerIndex(), buf, chunk.readableBytes());
            }

            @Override
            public Response end() throws IOException {
                return storeManifest(name, ref, buf.toByteArray(), headers.get("Content-Type"));
            }
        };
    }

    private RegistryException tooLarge() {
        return new RegistryException(ErrorCode.SIZE_INVALID, 413,
                "manifests are limited to " + maxManifest + " bytes");
    }

    private Response storeManifest(String name, String ref, byte[] body, String contentType) throws IOException {
        Manifests.Parsed parsed = Manifests.parse(mapper, body, contentType);
        for (Digest d : parsed.blobs()) {
            if (!repos.hasBlob(name, d) || !blobs.claim(d)) {
                throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, "blob " + d + " is unknown to " + name);
            }
        }
        for (Digest d : parsed.manifests()) {
            if (repos.manifestType(name, d).isEmpty()) {
                throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN,
                        "manifest " + d + " is unknown to " + name);
            }
        }
        boolean byTag = Names.isTag(ref);
        String algorithm = byTag ? "sha256" : Names.digest(ref).algorithm();
        Digest digest = Hashing.of(algorithm, body);
        if (!byTag && !digest.equals(Names.digest(ref))) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "manifest has digest " + digest + ", not " + ref);
        }
        blobs.put(algorithm, body);
        if (parsed.subject().isPresent()) {
            referrersIndex.add(name, parsed.subject().get(), digest, body.length, parsed);
        }
        repos.linkManifest(name, digest, parsed.mediaType());
        if (byTag) {
            repos.tag(name, ref, digest);
        }
        Response r = new Response(201)
                .header("Location", "/v2/" + name + "/manifests/" + digest)
                .header("Docker-Content-Digest", digest);
        parsed.subject().ifPresent(s -> r.header("OCI-Subject", s));
        return r;
    }

    Response delete(String name, String ref) throws IOException {
        if (!Names.isTag(ref)) {
            Digest d = Names.digest(ref);
            Optional<String> type = repos.manifestType(name, d);
            // a blob a running collection set aside still names its subject: its referrer entry must go too
            Optional<byte[]> bytes = type.isPresent() ? claimed(d, blobs::read) : Optional.empty();
            if (bytes.isPresent()) {
                Manifests.Parsed parsed = Manifests.parse(mapper, bytes.get(), type.get());
                if (parsed.subject().isPresent()) {
                    referrersIndex.remove(name, parsed.subject().get(), d);
                }
            }
        }
        boolean removed = Names.isTag(ref) ? repos.deleteTag(name, ref) : repos.deleteManifest(name, Names.digest(ref));
        if (!removed) {
            throw manifestUnknown(name, ref);
        }
        return new Response(202);
    }

    Response referrers(String name, Digest subject, Optional<String> artifactType) throws IOException {
        var index = mapper.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", dev.berth.oci.MediaTypes.OCI_INDEX);
        index.putArray("manifests").addAll(referrersIndex.list(name, subject, artifactType));
        Response r = new Response(200).body(dev.berth.oci.MediaTypes.OCI_INDEX, mapper.writeValueAsBytes(index));
        if (artifactType.isPresent()) {
            r.header("OCI-Filters-Applied", "artifactType");
        }
        return r;
    }
}
