package dev.berth.daemon.build;

import dev.berth.daemon.api.ApiException;
import dev.berth.oci.LayerArchive;
import dev.berth.sys.Fd;
import dev.berth.sys.Libc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A git {@code remote} build context, as dockerd's classic builder takes it: {@code git://…},
 * {@code git@host:path}, {@code http(s)://….git} and {@code github.com/…}, with a
 * {@code #ref:subdir} fragment (ref default {@code master}). The ref is fetched shallowly with the
 * {@code git} binary into the build's work dir (isolated from the host's git configuration, no
 * prompts, only the git, http(s) and ssh transports, for submodules too), checked out, and the
 * subdirectory (resolved inside the checkout, symlinks included) becomes the context tar.
 */
final class GitContext {
    private static final Pattern URL_WITH_GIT_SUFFIX = Pattern.compile("\\.git(?:#.+)?$");
    private static final long TIMEOUT_MINUTES = 10;

    /** A parsed git remote: what {@code git fetch} gets, the ref and the subdirectory (may be empty). */
    record GitUrl(String remote, String ref, String subdir) {}

    private GitContext() {}

    /** Whether {@code remote} names a git repository, by dockerd's rules ({@code urlutil.IsGitURL}). */
    static boolean isGitUrl(String remote) {
        if ((remote.startsWith("http://") || remote.startsWith("https://")) && URL_WITH_GIT_SUFFIX.matcher(remote).find()) {
            return true;
        }
        return remote.startsWith("git://") || remote.startsWith("github.com/") || remote.startsWith("git@");
    }

    /**
     * Splits a git remote as dockerd does ({@code github.com/…} gets {@code https://}), refusing
     * anything that could reach git as an option or a transport helper: a 400.
     */
    static GitUrl parse(String remote) {
        if (remote.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == ' ')) {
            throw hostile(remote, "control characters or spaces");
        }
        String url = remote.startsWith("git://") || remote.startsWith("git@") || remote.startsWith("http://")
                || remote.startsWith("https://") ? remote : "https://" + remote;
        String fragment = "";
        int hash = url.indexOf('#');
        if (hash >= 0) {
            fragment = url.substring(hash + 1);
            url = url.substring(0, hash);
        }
        if (url.contains("::")) {
            throw hostile(remote, "transport helpers (::) are not allowed");
        }
        if (url.startsWith("git@")) {
            // scp-like: git@host:path
            String rest = url.substring(4);
            int colon = rest.indexOf(':');
            if (colon <= 0 || !Character.isLetterOrDigit(rest.charAt(0)) || rest.substring(0, colon).contains("/")) {
                throw hostile(remote, "expected git@host:path");
            }
        } else {
            URI u;
            try {
                u = new URI(url);
            } catch (java.net.URISyntaxException e) {
                throw hostile(remote, e.getMessage());
            }
            if (u.getHost() == null || u.getHost().isEmpty() || !Character.isLetterOrDigit(u.getHost().charAt(0))) {
                throw hostile(remote, "no host");
            }
        }
        String[] refAndDir = fragment.split(":", 2);
        String ref = refAndDir[0].isEmpty() ? "master" : refAndDir[0];
        String subdir = refAndDir.length > 1 ? refAndDir[1] : "";
        if (ref.startsWith("-")) {
            throw ApiException.badRequest("invalid refspec: " + ref);
        }
        return new GitUrl(url, ref, subdir);
    }

    private static ApiException hostile(String remote, String why) {
        return ApiException.badRequest("invalid git remote " + remote + ": " + why);
    }

    /** Clones {@code remote} under {@code parent} and makes the build context of it; the clone is removed after. */
    static BuildContext fetch(String remote, Path parent, String dockerfileName, ContextSpool.Budget budget) throws IOException {
        GitUrl git = parse(remote);
        Path work = WorkDir.under(parent, "git-").create();
        try {
            Path repo = Files.createDirectory(work.resolve("repo"));
            Path home = Files.createDirectory(work.resolve("home"));
            run(repo, home, "init", "-q");
            run(repo, home, "remote", "add", "--", "origin", git.remote());
            try {
                run(repo, home, "fetch", "-q", "--depth", "1", "origin", "--", git.ref());
            } catch (GitFailure shallowRefused) {
                // a dumb http server cannot serve a shallow fetch
                run(repo, home, "fetch", "-q", "origin", "--", git.ref());
            }
            run(repo, home, "checkout", "-q", "FETCH_HEAD");
            run(repo, home, "submodule", "update", "-q", "--init", "--recursive", "--depth=1");
            Path root = git.subdir().isEmpty() ? repo : inside(repo, git.subdir());
            Path tar = work.resolve("context.tar");
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tar), 1 << 16)) {
                writeTar(root, out);
            }
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(tar), 1 << 16)) {
                return BuildContext.extract(in, parent, dockerfileName, budget);
            }
        } catch (GitFailure f) {
            throw ApiException.badRequest("unable to prepare context: " + f.getMessage());
        } finally {
            LayerArchive.removeTree(work);
        }
    }

    /** The subdirectory, its symlinks resolved within the checkout ({@code openat2(RESOLVE_IN_ROOT)}). */
    private static Path inside(Path repo, String subdir) throws IOException {
        try (Fd root = Fd.openDirectory(repo); Fd d = root.openInRoot(subdir, Fd.O_PATH | Fd.O_DIRECTORY, 0)) {
            Path real = Files.readSymbolicLink(d.procPath());
            if (!real.startsWith(repo.toRealPath())) {
                throw ApiException.badRequest("unable to prepare context: subdirectory " + subdir + " leaves the repository");
            }
            return real;
        } catch (Libc.ErrnoException e) {
            throw ApiException.badRequest("unable to prepare context: error setting git context, not a directory: " + subdir);
        }
    }

    /** The checkout as a tar, as dockerd tars it (the .git directory included); links are stored, never followed. */
    private static void writeTar(Path root, OutputStream out) throws IOException {
        try (LayerWriter w = new LayerWriter(out, FileView.EMPTY)) {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                    if (!d.equals(root)) {
                        w.dir(abs(d), meta(d, a));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    if (a.isSymbolicLink()) {
                        w.symlink(abs(f), Files.readSymbolicLink(f).toString(), meta(f, a));
                    } else if (a.isRegularFile()) {
                        w.file(abs(f), f, a.size(), meta(f, a));
                    }
                    return FileVisitResult.CONTINUE;
                }

                private String abs(Path p) {
                    return "/" + root.relativize(p).toString();
                }
            });
        }
    }

    private static LayerWriter.Meta meta(Path p, BasicFileAttributes a) throws IOException {
        int mode = ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
        return new LayerWriter.Meta(mode, 0, 0, a.lastModifiedTime().toMillis());
    }

    /** A git command that failed, with what it printed. */
    private static final class GitFailure extends IOException {
        GitFailure(String message) {
            super(message);
        }
    }

    /** Runs {@code git args…} in {@code dir} with no access to the host's git config, credentials or prompts. */
    private static void run(Path dir, Path home, String... args) throws IOException {
        Path log = home.resolveSibling("git.log");
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "protocol.file.allow=never", "-c", "protocol.ext.allow=never",
                "-c", "core.hooksPath=/dev/null"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("GIT_"));
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", home.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_ALLOW_PROTOCOL", "git:http:https:ssh");
        env.put("GIT_PROTOCOL_FROM_USER", "0");
        env.put("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new GitFailure("git " + args[0] + " did not finish in " + TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running git " + args[0]);
        }
        if (p.exitValue() != 0) {
            byte[] output;
            try (InputStream in = Files.newInputStream(log)) {
                output = in.readNBytes(16 << 10);
            }
            throw new GitFailure("git " + args[0] + " failed: " + new String(output, StandardCharsets.UTF_8).strip());
        }
    }
}
