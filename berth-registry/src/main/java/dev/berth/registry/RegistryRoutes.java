package dev.berth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.oci.Digest;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The endpoints of the OCI distribution spec: routing, listings, blobs and uploads over {@link BlobStore},
 * {@link Repositories} and {@link Uploads}; manifests and referrers in {@link ManifestEndpoints}.
 */
final class RegistryRoutes {
    static final int MAX_MANIFEST = (int) RegistryConfig.Limits.DEFAULT.maxManifestBytes();
    private static final Pattern TAGS = RequiredAccess.TAGS;
    private static final Pattern MANIFEST = RequiredAccess.MANIFEST;
    private static final Pattern UPLOADS = RequiredAccess.UPLOADS;
    private static final Pattern UPLOAD = RequiredAccess.UPLOAD;
    private static final Pattern BLOB = RequiredAccess.BLOB;
    private static final Pattern REFERRERS = RequiredAccess.REFERRERS;
    private static final Pattern CONTENT_RANGE = Pattern.compile("(?:bytes )?(\\d+)-(\\d+)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private final BlobStore blobs;
    private final Repositories repos;
    private final Uploads uploads;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ManifestEndpoints manifests;

    Uploads uploads() {
        return uploads;
    }

    RegistryRoutes(Path root, RegistryConfig.Limits limits) throws IOException {
        this.blobs = new BlobStore(root);
        this.repos = new Repositories(root);
        this.uploads = new Uploads(root, blobs, limits.maxBlobBytes(), limits.maxConcurrentUploads());
        long maxManifest = limits.maxManifestBytes() == 0 ? Integer.MAX_VALUE - 8 : limits.maxManifestBytes();
        this.manifests = new ManifestEndpoints(blobs, repos, new ReferrersIndex(root, mapper), mapper, maxManifest);
    }

    /**
     * Picks the endpoint for a request; it throws {@link RegistryException} for requests refused up front.
     * {@code grant} has already allowed what the route needs; it is asked again only for a mount's source.
     */
    Body dispatch(HttpMethod method, RequestUri uri, HttpHeaders headers, Grant grant) throws IOException {
        String path = uri.path();
        Map<String, List<String>> params = uri.params();
        String m = method.name();
        if (path.equals("/v2/") || path.equals("/v2")) {
            return () -> new Response(200).body("application/json", "{}".getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals("/v2/_catalog") && m.equals("GET")) {
            return () -> catalog(params);
        }
        Matcher x;
        if ((x = TAGS.matcher(path)).matches() && m.equals("GET")) {
            String name = Names.repository(x.group(1));
            return () -> tags(name, params);
        }
        if ((x = MANIFEST.matcher(path)).matches()) {
            String name = Names.repository(x.group(1));
            String ref = x.group(2);
            return switch (m) {
                case "GET" -> () -> manifests.get(name, ref, headers, true);
                case "HEAD" -> () -> manifests.get(name, ref, headers, false);
                case "PUT" -> manifests.put(name, ref, headers);
                case "DELETE" -> () -> manifests.delete(name, ref);
                default -> throw unsupported(m, path);
            };
        }
        if ((x = REFERRERS.matcher(path)).matches() && m.equals("GET")) {
            String name = Names.repository(x.group(1));
            Digest subject = Names.digest(x.group(2));
            return () -> manifests.referrers(name, subject, param(params, "artifactType"));
        }
        if ((x = UPLOADS.matcher(path)).matches() && m.equals("POST")) {
            return startUpload(Names.repository(x.group(1)), params, grant);
        }
        if ((x = UPLOAD.matcher(path)).matches()) {
            String name = Names.repository(x.group(1));
            UUID id = uploads.find(name, x.group(2));
            return switch (m) {
                case "GET" -> () -> uploadStatus(name, id, 204);
                case "PATCH" -> patchUpload(name, id, headers);
                case "PUT" -> putUpload(name, id, param(params, "digest"));
                case "DELETE" -> () -> {
                    uploads.cancel(id);
                    return new Response(204);
                };
                default -> throw unsupported(m, path);
            };
        }
        if ((x = BLOB.matcher(path)).matches()) {
            String name = Names.repository(x.group(1));
            Digest digest = Names.digest(x.group(2));
            return switch (m) {
                case "GET" -> () -> getBlob(name, digest, headers.get("Range"), true);
                case "HEAD" -> () -> getBlob(name, digest, headers.get("Range"), false);
                case "DELETE" -> () -> {
                    if (!repos.unlinkBlob(name, digest)) {
                        throw blobUnknown(digest);
                    }
                    return new Response(202);
                };
                default -> throw unsupported(m, path);
            };
        }
        throw new RegistryException(ErrorCode.NAME_UNKNOWN, 404, "no route for " + m + " " + path);
    }

    private static RegistryException unsupported(String method, String path) {
        return new RegistryException(ErrorCode.UNSUPPORTED, method + " " + path + " is not supported");
    }

    private static RegistryException blobUnknown(Digest d) {
        return new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + d + " is unknown");
    }

    private static Optional<String> param(Map<String, List<String>> params, String key) {
        List<String> v = params.get(key);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
    }

    private static int limit(Map<String, List<String>> params) {
        Optional<String> n = param(params, "n");
        if (n.isEmpty()) {
            return Integer.MAX_VALUE;
        }
        try {
            int v = Integer.parseInt(n.get());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, 400, "invalid n: " + n.get());
        }
    }

    private byte[] json(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- listings

    /** One page of a sorted list after {@code last}, with a Link header when more follow. */
    private Response page(List<String> all, Map<String, List<String>> params, String base, String field,
                          Map<String, Object> extra) {
        int n = limit(params);
        String last = param(params, "last").orElse("");
        List<String> after = all.stream().filter(s -> s.compareTo(last) > 0).toList();
        List<String> page = after.subList(0, Math.min(n, after.size()));
        var body = new java.util.LinkedHashMap<String, Object>(extra);
        body.put(field, page);
        Response r = new Response(200).body("application/json", json(body));
        if (page.size() < after.size() && !page.isEmpty()) {
            r.header("Link", "<" + base + "?n=" + n + "&last="
                    + java.net.URLEncoder.encode(page.getLast(), StandardCharsets.UTF_8) + ">; rel=\"next\"");
        }
        return r;
    }

    private Response catalog(Map<String, List<String>> params) throws IOException {
        return page(repos.catalog(), params, "/v2/_catalog", "repositories", Map.of());
    }

    private Response tags(String name, Map<String, List<String>> params) throws IOException {
        if (!repos.exists(name)) {
            throw new RegistryException(ErrorCode.NAME_UNKNOWN, "repository " + name + " is unknown");
        }
        return page(repos.tags(name), params, "/v2/" + name + "/tags/list", "tags", Map.of("name", name));
    }

    // ---- blobs

    private Response getBlob(String name, Digest digest, String range, boolean withBody) throws IOException {
        if (!repos.hasBlob(name, digest) || !blobs.claim(digest)) {
            throw blobUnknown(digest);
        }
        long size = blobs.size(digest);
        long start = 0;
        long end = size - 1;
        int status = 200;
        if (range != null) {
            Matcher rm = RANGE.matcher(range.strip());
            boolean ok = rm.matches() && !(rm.group(1).isEmpty() && rm.group(2).isEmpty());
            if (ok) {
                if (rm.group(1).isEmpty()) {
                    start = Math.max(0, size - bytePos(rm.group(2)));
                } else {
                    start = bytePos(rm.group(1));
                    if (!rm.group(2).isEmpty()) {
                        end = Math.min(end, bytePos(rm.group(2)));
                    }
                }
                ok = start < size && start <= end;
            }
            if (!ok) {
                return new Response(416).header("Content-Range", "bytes */" + size);
            }
            status = 206;
        }
        Response r = new Response(status)
                .header("Content-Type", "application/octet-stream")
                .header("Docker-Content-Digest", digest)
                .header("Accept-Ranges", "bytes")
                .file(withBody ? blobs.path(digest) : null, start, end - start + 1);
        if (status == 206) {
            r.header("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        return r;
    }

    /**
     * A byte position (ASCII digits) from a Range or Content-Range header; one too large for a long saturates, so
     * it lies past the end of every blob instead of failing the request with a NumberFormatException.
     */
    private static long bytePos(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    // ---- uploads

    private Response uploadStatus(String name, UUID id, int status) throws IOException {
        long size = uploads.size(id);
        return new Response(status)
                .header("Location", "/v2/" + name + "/blobs/uploads/" + id)
                .header("Range", "0-" + Math.max(0, size - 1))
                .header("Docker-Upload-UUID", id);
    }

    private Response created(String name, Digest digest) {
        return new Response(201)
                .header("Location", "/v2/" + name + "/blobs/" + digest)
                .header("Docker-Content-Digest", digest);
    }

    private Body startUpload(String name, Map<String, List<String>> params, Grant grant) throws IOException {
        Optional<String> mount = param(params, "mount");
        if (mount.isPresent()) {
            Digest digest = Names.digest(mount.get());
            Optional<String> from = param(params, "from").map(Names::repository);
            // Without pull rights on the source the blob is not the caller's to mount; they upload it instead.
            boolean mayRead = from.map(f -> grant.can(f, "pull")).orElse(true);
            if (mayRead && from.map(f -> repos.hasBlob(f, digest)).orElse(true) && blobs.claim(digest)) {
                return () -> {
                    repos.linkBlob(name, digest);
                    return created(name, digest);
                };
            }
        }
        Optional<Digest> digest = param(params, "digest").map(Names::digest);
        UUID id = uploads.create(name);
        if (digest.isEmpty()) {
            // A body on a POST without a digest has nowhere to go; clients follow with PATCH/PUT.
            return () -> uploadStatus(name, id, 202);
        }
        Uploads.Writer writer;
        try {
            writer = uploads.append(id);
        } catch (RuntimeException e) {
            uploads.cancel(id);
            throw e;
        }
        // The client never learns this session's id: a failed monolithic upload leaves nothing to resume.
        return discardOnFailure(id, writeThen(writer, w -> {
            uploads.finish(id, digest.get());
            repos.linkBlob(name, digest.get());
            return created(name, digest.get());
        }));
    }

    private Body discardOnFailure(UUID id, Body body) {
        return new Body() {
            @Override
            public void data(ByteBuf chunk) throws IOException {
                body.data(chunk);
            }

            @Override
            public Response end() throws IOException {
                try {
                    return body.end();
                } catch (IOException | RuntimeException e) {
                    uploads.cancel(id);
                    throw e;
                }
            }

            @Override
            public void abort() {
                body.abort();
                try {
                    uploads.cancel(id);
                } catch (IOException ignored) {
                    // expiry removes it later
                }
            }
        };
    }

    /** The rest of a request once its body has been appended to the session. */
    private interface AfterWrite {
        Response apply(Uploads.Writer w) throws IOException;
    }

    /**
     * Streams the body into the session, closing the file however the request ends; the session stays
     * reserved for this request until its response is decided, so a racing request cannot interleave.
     */
    private Body writeThen(Uploads.Writer w, AfterWrite after) {
        return new Body() {
            @Override
            public void data(ByteBuf chunk) throws IOException {
                w.write(chunk);
            }

            @Override
            public Response end() throws IOException {
                try {
                    w.close();
                    return after.apply(w);
                } finally {
                    w.release();
                }
            }

            @Override
            public void abort() {
                try {
                    w.close();
                } catch (IOException ignored) {
                    // the session stays as it was on disk; the client may query its status and resume
                } finally {
                    w.release();
                }
            }
        };
    }

    private Body patchUpload(String name, UUID id, HttpHeaders headers) throws IOException {
        Uploads.Writer w = uploads.append(id);
        try {
            checkContentRange(name, id, headers, w.size());
        } catch (RuntimeException e) {
            w.close();
            w.release();
            throw e;
        }
        return writeThen(w, x -> uploadStatus(name, id, 202));
    }

    private void checkContentRange(String name, UUID id, HttpHeaders headers, long size) throws IOException {
        String cr = headers.get("Content-Range");
        if (cr != null) {
            Matcher rm = CONTENT_RANGE.matcher(cr.strip());
            if (!rm.matches() || bytePos(rm.group(1)) != size || bytePos(rm.group(2)) < size
                    || bytePos(rm.group(2)) == Long.MAX_VALUE) {
                throw new RangeException(uploadStatus(name, id, 416),
                        "Content-Range " + cr + " does not continue the upload at offset " + size);
            }
            String cl = headers.get("Content-Length");
            long expected = bytePos(rm.group(2)) - size + 1;
            if (cl != null && Long.parseLong(cl) != expected) {
                throw new RangeException(uploadStatus(name, id, 416),
                        "Content-Range " + cr + " does not match Content-Length " + cl);
            }
        }
    }

    private Body putUpload(String name, UUID id, Optional<String> digestText) throws IOException {
        Digest digest = Names.digest(digestText.orElseThrow(() -> new RegistryException(
                ErrorCode.DIGEST_INVALID, "the digest query parameter is required")));
        return writeThen(uploads.append(id), w -> {
            uploads.finish(id, digest);
            repos.linkBlob(name, digest);
            return created(name, digest);
        });
    }

    /** A refused chunk: the error body goes out with the session's Location and Range headers. */
    static final class RangeException extends RuntimeException {
        final Response status;
        final RegistryException error;

        RangeException(Response status, String detail) {
            super(detail);
            this.status = status;
            this.error = new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, 416, detail);
        }
    }
}
