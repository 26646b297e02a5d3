package dev.berth.daemon.build;

import dev.berth.daemon.api.ApiException;
import dev.berth.dockerfile.DockerIgnore;
import dev.berth.dockerfile.DockerfileSyntaxException;
import dev.berth.oci.InvalidLayerException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One build's context: the uploaded tar (plain or compressed) indexed as it streams in
 * ({@link ContextIndex}: the layer extractor's safety rules, every file's checksum, the tar spooled
 * into a private temp directory under the data root), the Dockerfile read from it, and the
 * Dockerfile and .dockerignore dropped when the .dockerignore excludes them (as dockerd does).
 * The files are written out only when a step needs them.
 */
final class BuildContext implements AutoCloseable {
    private final WorkDir dir;
    private final ContextIndex index;
    private final byte[] dockerfile;

    private BuildContext(WorkDir dir, ContextIndex index, byte[] dockerfile) {
        this.dir = dir;
        this.index = index;
        this.dockerfile = dockerfile;
    }

    /**
     * Indexes {@code body} under {@code parent}; a hostile or broken archive is a 400 and leaves nothing behind.
     *
     * @param dockerfileName the {@code dockerfile} parameter (relative to the context root)
     */
    static BuildContext extract(InputStream body, Path parent, String dockerfileName, ContextSpool.Budget budget) throws IOException {
        return extract(body, parent, dockerfileName, budget, null);
    }

    /**
     * {@link #extract(InputStream, Path, String, ContextSpool.Budget)}; {@code preview} starts when half the body has
     * repeated the memo's retained one.
     */
    static BuildContext extract(InputStream body, Path parent, String dockerfileName, ContextSpool.Budget budget, BuildPreview preview)
            throws IOException {
        WorkDir dir = WorkDir.under(parent, "context-");
        ContextSpool spool = new ContextSpool(dir, budget);
        try {
            ContextIndex index;
            try {
                String df = DockerIgnore.cleanPath("/" + (dockerfileName == null || dockerfileName.isEmpty() ? "Dockerfile" : dockerfileName));
                index = ContextIndex.read(body, spool, dir,
                        new java.util.HashSet<>(List.of(df.substring(1), ".dockerignore")), preview == null ? null : preview::start);
            } catch (InvalidLayerException e) {
                drain(body);
                throw ApiException.badRequest("invalid build context: " + e.getMessage());
            }
            return of(dir, index, dockerfileName);
        } catch (IOException | RuntimeException e) {
            spool.close();
            dir.close();
            throw e;
        }
    }

    /**
     * The context a body repeating the memo's retained one will have, before that body arrives: its tree
     * and checksums, for a {@link BuildPreview}. The Dockerfile must be one of the files the retained body
     * kept in memory; otherwise, and for any file's contents, it throws {@link BuildPreview.Miss}.
     */
    static BuildContext preview(ContextIndex.Snapshot retained, Path parent, String dockerfileName) throws IOException {
        WorkDir dir = WorkDir.under(parent, "preview-");
        return of(dir, ContextIndex.preview(retained, dir), dockerfileName);
    }

    /** The Dockerfile read from {@code index}, and the build files the .dockerignore excludes dropped. */
    private static BuildContext of(WorkDir dir, ContextIndex index, String dockerfileName) throws IOException {
        String name = dockerfileName == null || dockerfileName.isEmpty() ? "Dockerfile" : dockerfileName;
        byte[] df = read(index, name);
        if (df == null) {
            throw ApiException.badRequest("Cannot locate specified Dockerfile: " + name);
        }
        byte[] ignore = read(index, ".dockerignore");
        if (ignore != null) {
            removeExcludedBuildFiles(index, new String(ignore, java.nio.charset.StandardCharsets.UTF_8), name);
        }
        return new BuildContext(dir, index, df);
    }

    /**
     * A {@code remote} context: the URL's body is a context tar (any compression) or else the
     * Dockerfile alone, as dockerd decides by the content.
     */
    static BuildContext fetch(String url, Path parent, String dockerfileName, ContextSpool.Budget budget) throws IOException {
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "remote-", ".body");
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).connectTimeout(java.time.Duration.ofSeconds(30)).build();
            java.net.http.HttpResponse<Path> resp;
            try {
                resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofFile(tmp));
            } catch (IOException | IllegalArgumentException e) {
                throw ApiException.badRequest("cannot fetch the remote context " + url + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + url, e);
            }
            if (resp.statusCode() >= 400) {
                throw ApiException.badRequest("cannot fetch the remote context " + url + ": status " + resp.statusCode());
            }
            if (CopyPlan.isArchive(tmp)) {
                try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(tmp))) {
                    return extract(in, parent, dockerfileName, budget);
                }
            }
            // a lone Dockerfile: the context is just that file
            byte[] df = Files.readAllBytes(tmp);
            String name = dockerfileName == null || dockerfileName.isEmpty() ? "Dockerfile" : dockerfileName;
            java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
            try (var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(tar)) {
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(DockerIgnore.cleanPath("/" + name).substring(1));
                e.setSize(df.length);
                t.putArchiveEntry(e);
                t.write(df);
                t.closeArchiveEntry();
                t.finish();
            }
            return extract(new java.io.ByteArrayInputStream(tar.toByteArray()), parent, name, budget);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** dockerd's removeDockerfile: the .dockerignore and the Dockerfile stay out of COPY when excluded. */
    private static void removeExcludedBuildFiles(ContextIndex index, String ignoreText, String dockerfile) {
        DockerIgnore ignore;
        try {
            ignore = DockerIgnore.parse(ignoreText);
        } catch (DockerfileSyntaxException.Detail e) {
            throw ApiException.badRequest("invalid .dockerignore: " + e.getMessage());
        }
        for (String f : List.of(".dockerignore", DockerIgnore.cleanPath("/" + dockerfile).substring(1))) {
            if (ignore.excludes(f)) {
                index.drop(f);
            }
        }
    }

    /** A regular file of the context, found through the context's own symlinks (kept inside it), or null. */
    private static byte[] read(ContextIndex index, String name) throws IOException {
        String rel;
        try {
            rel = index.resolve("/" + name);
        } catch (IOException loop) {
            // the context's links go round in circles: its fault, not the daemon's
            throw ApiException.badRequest("invalid build context: " + loop.getMessage());
        }
        return rel.isEmpty() ? null : index.read(rel);
    }

    private static void drain(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the client went away: nothing left to read
        }
    }

    /** The context's files; written to disk only when a step needs them there. */
    FileView view() {
        return index;
    }

    /** Whether the body repeated the retained {@code snapshot} byte for byte (see {@link #preview}). */
    boolean repeats(ContextIndex.Snapshot snapshot) {
        return index.repeats(snapshot);
    }

    byte[] dockerfile() {
        return dockerfile.clone();
    }

    @Override
    public void close() throws IOException {
        index.close();
        dir.close();
    }
}
