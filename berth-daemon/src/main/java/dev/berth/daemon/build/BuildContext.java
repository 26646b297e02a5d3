package dev.berth.daemon.build;

import dev.berth.daemon.api.ApiException;
import dev.berth.dockerfile.DockerIgnore;
import dev.berth.dockerfile.DockerfileSyntaxException;
import dev.berth.oci.InvalidLayerException;
import dev.berth.oci.LayerArchive;
import dev.berth.sys.Fd;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One build's context: the uploaded tar (plain or compressed) extracted into a private temp
 * directory under the data root with the layer extractor's safety rules (no absolute names, no
 * {@code ..} out of the root, no links leaving it), the Dockerfile read from inside it, and the
 * Dockerfile and .dockerignore dropped when the .dockerignore excludes them (as dockerd does).
 */
final class BuildContext implements AutoCloseable {
    private final Path dir;
    private final byte[] dockerfile;
    private final Map<String, String> digests;

    private BuildContext(Path dir, byte[] dockerfile, Map<String, String> digests) {
        this.dir = dir;
        this.dockerfile = dockerfile;
        this.digests = digests;
    }

    /**
     * Extracts {@code body} under {@code parent}; a hostile or broken archive is a 400 and leaves nothing behind.
     *
     * @param dockerfileName the {@code dockerfile} parameter (relative to the context root)
     */
    static BuildContext extract(InputStream body, Path parent, String dockerfileName) throws IOException {
        Files.createDirectories(parent);
        byte[] rnd = new byte[8];
        new java.security.SecureRandom().nextBytes(rnd);
        Path dir = parent.resolve("context-" + HexFormat.of().formatHex(rnd));
        Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        try {
            ContentDigester digester = new ContentDigester(dir);
            try (InputStream teed = digester.tee(body)) {
                LayerArchive.extract(teed, dir);
            } catch (InvalidLayerException e) {
                drain(body);
                throw ApiException.badRequest("invalid build context: " + e.getMessage());
            }
            String name = dockerfileName == null || dockerfileName.isEmpty() ? "Dockerfile" : dockerfileName;
            byte[] df = read(dir, name);
            if (df == null) {
                throw ApiException.badRequest("Cannot locate specified Dockerfile: " + name);
            }
            byte[] ignore = read(dir, ".dockerignore");
            if (ignore != null) {
                removeExcludedBuildFiles(dir, new String(ignore, java.nio.charset.StandardCharsets.UTF_8), name);
            }
            return new BuildContext(dir, df, digester.digests());
        } catch (IOException | RuntimeException e) {
            LayerArchive.removeTree(dir);
            throw e;
        }
    }

    /**
     * A {@code remote} context: the URL's body is a context tar (any compression) or else the
     * Dockerfile alone, as dockerd decides by the content.
     */
    static BuildContext fetch(String url, Path parent, String dockerfileName) throws IOException {
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
                    return extract(in, parent, dockerfileName);
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
            return extract(new java.io.ByteArrayInputStream(tar.toByteArray()), parent, name);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** dockerd's removeDockerfile: the .dockerignore and the Dockerfile stay out of COPY when excluded. */
    private static void removeExcludedBuildFiles(Path dir, String ignoreText, String dockerfile) throws IOException {
        DockerIgnore ignore;
        try {
            ignore = DockerIgnore.parse(ignoreText);
        } catch (DockerfileSyntaxException.Detail e) {
            throw ApiException.badRequest("invalid .dockerignore: " + e.getMessage());
        }
        for (String f : List.of(".dockerignore", DockerIgnore.cleanPath("/" + dockerfile).substring(1))) {
            if (ignore.excludes(f)) {
                Path p = dir.resolve(f).normalize();
                if (p.startsWith(dir) && !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A regular file of the context, resolved inside it (symlinks too), or null when missing. */
    private static byte[] read(Path dir, String name) throws IOException {
        try (Fd root = Fd.openDirectory(dir); Fd f = root.openInRoot(name, Fd.O_RDONLY, 0)) {
            if (!f.stat().isRegular()) {
                return null;
            }
            return Files.readAllBytes(f.procPath());
        } catch (Libc.ErrnoException e) {
            return null;
        }
    }

    private static void drain(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the client went away: nothing left to read
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * The sha256 of each regular file as the context tar carried it, by host path, as
     * {@code "size:hex"}, computed while the tar was extracted.
     */
    Map<String, String> digests() {
        return digests;
    }

    byte[] dockerfile() {
        return dockerfile.clone();
    }

    @Override
    public void close() throws IOException {
        LayerArchive.removeTree(dir);
    }
}
