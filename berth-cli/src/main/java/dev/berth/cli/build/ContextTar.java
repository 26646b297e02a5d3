package dev.berth.cli.build;

import dev.berth.dockerfile.ContextFiles;
import dev.berth.dockerfile.DockerIgnore;
import dev.berth.dockerfile.DockerfileSyntaxException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;

/**
 * A build context directory as the tar the docker CLI sends: the files the .dockerignore leaves
 * in (the Dockerfile and .dockerignore always), owned by 0:0, plus a Dockerfile from elsewhere
 * under a name of its own when there is one.
 */
public final class ContextTar {
    private ContextTar() {}

    /**
     * @param dockerfileRel the Dockerfile's path inside the context (kept even when ignored), or null
     * @param extraName a name for {@code extraDockerfile} at the context root, or null
     */
    public static void write(Path dir, String dockerfileRel, String extraName, byte[] extraDockerfile, OutputStream out)
            throws IOException, DockerfileSyntaxException.Detail {
        List<String> patterns = List.of();
        Path ignoreFile = dir.resolve(".dockerignore");
        if (Files.isRegularFile(ignoreFile)) {
            patterns = DockerIgnore.read(Files.readString(ignoreFile, StandardCharsets.UTF_8));
        }
        if (dockerfileRel != null) {
            patterns = DockerIgnore.keepBuildFiles(patterns, dockerfileRel);
        }
        DockerIgnore ignore = DockerIgnore.of(patterns);
        TarWriter tar = new TarWriter(out);
        for (String rel : ContextFiles.included(ContextFiles.of(dir), ignore)) {
            Path p = dir.resolve(rel);
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long mtime = a.lastModifiedTime().toMillis() / 1000;
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                tar.dir(rel, mode, mtime);
            } else if (a.isSymbolicLink()) {
                tar.symlink(rel, Files.readSymbolicLink(p).toString(), mtime);
            } else if (a.isRegularFile()) {
                try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                    tar.file(rel, mode, a.size(), mtime, in);
                }
            }
        }
        if (extraName != null) {
            tar.file(extraName, 0644, extraDockerfile.length, System.currentTimeMillis() / 1000,
                    new java.io.ByteArrayInputStream(extraDockerfile));
        }
        tar.close();
    }
}
