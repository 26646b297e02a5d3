package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.Cli;
import dev.berth.cli.ExitException;
import dev.berth.cli.FlagSet;
import dev.berth.cli.client.DaemonException;
import dev.berth.cli.client.Json;
import dev.berth.cli.client.Response;
import dev.berth.cli.format.HumanUnits;
import dev.berth.cli.tar.GoPath;
import dev.berth.cli.tar.LocalArchive;
import dev.berth.cli.tar.Rename;
import dev.berth.sys.Fd;
import dev.berth.sys.Libc;
import dev.berth.sys.Terminal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * berth cp: files between a container and the local filesystem over the archive API, with the
 * docker CLI's path rules (pkg/archive CopyInfo, PrepareArchiveCopy, RebaseArchiveEntries).
 */
public final class CpCommand extends BaseCommand {
    private static final long GO_DIR = 1L << 31;
    private static final long GO_SYMLINK = 1L << 27;
    private static final long GO_DEVICE = 1L << 26;
    private static final long GO_IRREGULAR = 1L << 19;

    private boolean followLink;
    private boolean copyUidGid;
    private Boolean quiet;

    public CpCommand(Cli cli) {
        super(cli);
    }

    @Override
    public Spec spec() {
        return Spec.of("cp", "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
                "Copy files/folders between a container and the local filesystem", 2, 2);
    }

    @Override
    public void define(FlagSet f) {
        f.bool("a,archive", "Archive mode (copy all uid/gid information)", v -> copyUidGid = v);
        f.bool("L,follow-link", "Always follow symbol link in SRC_PATH", v -> followLink = v);
        f.bool("q,quiet", "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached",
                v -> quiet = v);
    }

    /** What the copy knows about one side: archive.CopyInfo. */
    private record CopyInfo(String path, boolean exists, boolean isDir, String rebaseName) {}

    /** A container path's stat from {@code X-Docker-Container-Path-Stat}. */
    private record PathStat(String name, long size, long mode, String linkTarget) {
        boolean isDir() {
            return (mode & GO_DIR) != 0;
        }

        boolean isSymlink() {
            return (mode & GO_SYMLINK) != 0;
        }
    }

    @Override
    public int run(List<String> args) throws IOException {
        if (args.get(0).isEmpty()) {
            throw new ExitException(1, "source can not be empty");
        }
        if (args.get(1).isEmpty()) {
            throw new ExitException(1, "destination can not be empty");
        }
        boolean q = quiet != null ? quiet : !Terminal.isTerminal(1); // as docker: no progress without a terminal
        String[] src = split(args.get(0));
        String[] dst = split(args.get(1));
        try {
            if (src[0] != null && dst[0] != null) {
                throw new ExitException(1, "copying between containers is not supported");
            }
            if (src[0] != null) {
                fromContainer(src[0], src[1], dst[1], q);
            } else if (dst[0] != null) {
                toContainer(src[1], dst[0], dst[1], q);
            } else {
                throw new ExitException(1, "must specify at least one container source");
            }
        } catch (LocalArchive.LocalPathException | dev.berth.cli.tar.TarFormatException e) {
            throw new ExitException(1, e.getMessage());
        }
        return 0;
    }

    /** docker's splitCpArg: {container, path}; an absolute path or one starting with "." is local. */
    private static String[] split(String arg) {
        if (GoPath.isAbs(arg)) {
            return new String[] {null, arg};
        }
        int colon = arg.indexOf(':');
        if (colon < 0 || arg.startsWith(".")) {
            return new String[] {null, arg};
        }
        return new String[] {arg.substring(0, colon), arg.substring(colon + 1)};
    }

    private static String resolveLocal(String p) {
        String abs = GoPath.clean(GoPath.isAbs(p) ? p : Path.of("").toAbsolutePath() + "/" + p);
        return GoPath.preserveTrailingDotOrSeparator(abs, p);
    }

    private String archivePath(String container) {
        return "/containers/" + seg(container) + "/archive?path=";
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** HEAD on the archive: the path's stat, or null when the daemon has none (as docker, the error is ignored). */
    private PathStat stat(String container, String path) {
        try (Response r = client().call("HEAD", archivePath(container) + q(path), null)) {
            return parseStat(r.header("x-docker-container-path-stat"));
        } catch (DaemonException | IOException e) {
            return null;
        }
    }

    private static PathStat parseStat(String header) {
        if (header == null || header.isEmpty()) {
            return new PathStat("", 0, 0, "");
        }
        try {
            JsonNode n = Json.parse(Base64.getDecoder().decode(header));
            return new PathStat(n.path("name").asText(), n.path("size").asLong(), n.path("mode").asLong(), n.path("linkTarget").asText());
        } catch (IOException | IllegalArgumentException e) {
            throw new ExitException(1, "unable to decode container path stat header: " + e.getMessage());
        }
    }

    private void fromContainer(String container, String srcPath, String dstPath, boolean quiet) throws IOException {
        if (!dstPath.equals("-")) {
            dstPath = resolveLocal(dstPath);
            validateOutputPath(dstPath);
        }
        String rebaseName = "";
        if (followLink) {
            PathStat st = stat(container, srcPath);
            if (st != null && st.isSymlink()) {
                String target = st.linkTarget();
                if (!GoPath.isAbs(target)) {
                    target = GoPath.join(GoPath.splitDirEntry(srcPath)[0], target);
                }
                String[] rb = GoPath.rebaseName(srcPath, target);
                srcPath = rb[0];
                rebaseName = rb[1];
            }
        }
        try (Response r = client().call("GET", archivePath(container) + q(srcPath), null)) {
            PathStat st = parseStat(r.header("x-docker-container-path-stat"));
            if (dstPath.equals("-")) {
                r.body().transferTo(cli.out());
                cli.out().flush();
                return;
            }
            AtomicLong copied = new AtomicLong();
            InputStream body = counting(r.body(), copied, quiet);
            CopyInfo srcInfo = new CopyInfo(srcPath, true, st.isDir(), rebaseName);
            Rename pre = Rename.NONE;
            if (!rebaseName.isEmpty()) {
                pre = Rename.replaceFirst(GoPath.splitDirEntry(srcPath)[1], rebaseName);
            }
            IOException failure = null;
            try {
                CopyInfo dstInfo = destinationInfo(dstPath);
                Prepared prep = prepare(srcInfo, dstInfo);
                LocalArchive.extract(body, prep.dir(), pre.andThen(prep.rename()));
                body.transferTo(java.io.OutputStream.nullOutputStream()); // docker counts the whole response
            } catch (IOException e) {
                failure = e;
            }
            done(quiet, "Successfully copied " + HumanUnits.size(copied.get()) + " to " + dstPath);
            if (failure != null) {
                throw new ExitException(1, failure.getMessage());
            }
        }
    }

    private void toContainer(String srcPath, String container, String dstPath, boolean quiet) throws IOException {
        if (!srcPath.equals("-")) {
            srcPath = resolveLocal(srcPath);
        }
        String dstInfoPath = dstPath;
        PathStat dstStat = stat(container, dstPath);
        if (dstStat != null && dstStat.isSymlink()) {
            String target = dstStat.linkTarget();
            if (!GoPath.isAbs(target)) {
                target = GoPath.join(GoPath.splitDirEntry(dstPath)[0], target);
            }
            dstInfoPath = target;
            dstStat = stat(container, target);
        }
        long mode = dstStat == null ? 0 : dstStat.mode();
        String bad = (mode & GO_DEVICE) != 0 ? "got a device" : (mode & GO_IRREGULAR) != 0 ? "got an irregular file" : null;
        if (bad != null) {
            throw new ExitException(1, "destination \"" + container + ":" + dstPath + "\" must be a directory or a regular file: " + bad);
        }
        CopyInfo dstInfo = new CopyInfo(dstInfoPath, dstStat != null, dstStat != null && dstStat.isDir(), "");
        AtomicLong copied = new AtomicLong();
        InputStream content;
        String resolvedDst;
        Thread producer = null;
        if (srcPath.equals("-")) {
            if (!dstInfo.isDir()) {
                throw new ExitException(1, "destination \"" + container + ":" + dstPath + "\" must be a directory");
            }
            content = cli.in();
            resolvedDst = dstInfo.path();
        } else {
            CopyInfo srcInfo = sourceInfo(srcPath);
            Prepared prep = prepare(srcInfo, dstInfo);
            resolvedDst = prep.dir();
            Pipe pipe = new Pipe();
            String resolvedSrc = srcInfo.path();
            producer = Thread.ofVirtual().start(() -> pipe.produce(out ->
                    LocalArchive.write(resolvedSrc, srcInfo.rebaseName(), prep.rename(), out)));
            content = counting(pipe.in, copied, quiet);
        }
        String query = archivePath(container) + q(resolvedDst) + "&noOverwriteDirNonDir=true" + (copyUidGid ? "&copyUIDGID=true" : "");
        RuntimeException failure = null;
        try (Response r = client().upload("PUT", query, content, "application/x-tar")) {
            r.body().transferTo(java.io.OutputStream.nullOutputStream());
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (producer != null) {
                producer.interrupt();
            }
        }
        done(quiet, "Successfully copied " + HumanUnits.size(copied.get()) + " to " + container + ":" + dstInfo.path());
        if (failure != null) {
            throw failure;
        }
    }

    /** A tar producer writing into a pipe; its failure surfaces on the reading side so the upload aborts. */
    private static final class Pipe {
        interface Producer {
            void write(java.io.OutputStream out) throws IOException;
        }

        private final AtomicReference<IOException> error = new AtomicReference<>();
        private final PipedInputStream raw = new PipedInputStream(1 << 16);
        private final PipedOutputStream sink;
        final InputStream in = new FilterInputStream(raw) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0 && error.get() != null) {
                    throw error.get();
                }
                return n;
            }
        };

        Pipe() throws IOException {
            sink = new PipedOutputStream(raw); // connected before either side runs
        }

        void produce(Producer p) {
            try (PipedOutputStream out = sink) {
                p.write(out);
            } catch (IOException e) {
                error.set(e);
            }
        }
    }

    private static InputStream counting(InputStream in, AtomicLong n, boolean quiet) {
        if (quiet) {
            return in;
        }
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int r = super.read();
                if (r >= 0) {
                    n.incrementAndGet();
                }
                return r;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int r = super.read(b, off, len);
                if (r > 0) {
                    n.addAndGet(r);
                }
                return r;
            }

            @Override
            public long skip(long count) throws IOException {
                long r = super.skip(count);
                n.addAndGet(Math.max(0, r));
                return r;
            }
        };
    }

    /** command.ValidateOutputPath: the parent must exist; an existing path must be a directory or a regular file. */
    private static void validateOutputPath(String path) throws IOException {
        String dir = GoPath.dir(GoPath.clean(path));
        if (!dir.isEmpty() && !dir.equals(".") && !java.nio.file.Files.exists(Path.of(dir))) {
            throw new ExitException(1, "invalid output path: directory \"" + dir + "\" does not exist");
        }
        Path p = Path.of(path);
        if (java.nio.file.Files.exists(p) && !java.nio.file.Files.isDirectory(p) && !java.nio.file.Files.isRegularFile(p)) {
            String what = isDevice(p) ? "got a device" : "got an irregular file";
            throw new ExitException(1, "invalid output path: \"" + path + "\" must be a directory or a regular file: " + what);
        }
    }

    private static boolean isDevice(Path p) {
        try {
            int mode = (Integer) java.nio.file.Files.getAttribute(p, "unix:mode");
            int t = mode & 0170000;
            return t == Libc.S_IFCHR || t == Libc.S_IFBLK;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** archive.CopyInfoDestinationPath: a local destination, symlinks on its last element followed. */
    private static CopyInfo destinationInfo(String path) throws IOException {
        String original = path;
        for (int n = 0; ; n++) {
            Fd.Stat st = lstat(path);
            if (st != null && !st.isSymlink()) {
                return new CopyInfo(path, true, st.isDir(), "");
            }
            if (st == null) {
                String parent = GoPath.splitDirEntry(path)[0];
                Fd.Stat ps = statFollow(parent);
                if (ps == null) {
                    throw new LocalArchive.LocalPathException("stat " + parent + ": no such file or directory", Libc.ENOENT);
                }
                if (!ps.isDir()) {
                    throw new LocalArchive.LocalPathException("not a directory", Fd.ENOTDIR);
                }
                return new CopyInfo(path, false, false, "");
            }
            if (n >= 10) {
                throw new LocalArchive.LocalPathException("too many symlinks in " + original, Fd.ELOOP);
            }
            String target = java.nio.file.Files.readSymbolicLink(Path.of(path)).toString();
            path = GoPath.isAbs(target) ? target : GoPath.join(GoPath.splitDirEntry(path)[0], target);
        }
    }

    /** archive.CopyInfoSourcePath: the parent's symlinks resolved (the last element's too with -L). */
    private CopyInfo sourceInfo(String path) throws IOException {
        String resolved;
        String rebase = "";
        if (followLink) {
            resolved = evalSymlinks(path);
            String[] rb = GoPath.rebaseName(path, resolved);
            resolved = rb[0];
            rebase = rb[1];
        } else {
            int slash = path.lastIndexOf('/');
            String dir = path.substring(0, slash + 1);
            String base = path.substring(slash + 1);
            resolved = evalSymlinks(dir.isEmpty() ? "." : dir) + "/" + base;
            if (GoPath.hasTrailingSeparator(path) && !GoPath.base(path).equals(GoPath.base(resolved))) {
                rebase = GoPath.base(path);
            }
        }
        Fd.Stat st = lstat(resolved);
        if (st == null) {
            throw new LocalArchive.LocalPathException("lstat " + resolved + ": no such file or directory", Libc.ENOENT);
        }
        return new CopyInfo(resolved, true, st.isDir(), rebase);
    }

    private static String evalSymlinks(String path) throws IOException {
        try {
            String real = Path.of(path).toRealPath().toString();
            return real;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new LocalArchive.LocalPathException("lstat " + GoPath.clean(e.getFile()) + ": no such file or directory", Libc.ENOENT);
        } catch (java.nio.file.FileSystemException e) {
            throw new LocalArchive.LocalPathException("lstat " + GoPath.clean(path) + ": " + e.getReason(), 0);
        }
    }

    /** lstat of a path as given (a trailing slash or "/." follows the last element, as the kernel does). */
    private static Fd.Stat lstat(String path) throws IOException {
        String[] de = GoPath.splitDirEntry(path);
        try (Fd dir = Fd.openDirectory(Path.of(de[0]))) {
            if (de[1].equals(".") || de[1].equals("/")) {
                return dir.stat();
            }
            int flags = Fd.O_PATH | (GoPath.hasTrailingSeparator(path) ? Fd.O_DIRECTORY : Fd.O_NOFOLLOW);
            try (Fd f = dir.openAt(de[1], flags, 0)) {
                return f.stat();
            }
        } catch (Libc.ErrnoException e) {
            if (e.errno() == Libc.ENOENT) {
                return null;
            }
            throw LocalArchive.goError("lstat", path, e);
        }
    }

    private static Fd.Stat statFollow(String path) throws IOException {
        try (Fd f = Fd.openDirectory(Path.of(path))) {
            return f.stat();
        } catch (Libc.ErrnoException e) {
            if (e.errno() == Libc.ENOENT) {
                return null;
            }
            if (e.errno() == Fd.ENOTDIR) {
                return new Fd.Stat(0100000, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
            }
            throw LocalArchive.goError("stat", path, e);
        }
    }

    /** archive.PrepareArchiveCopy: the directory to extract into and how entry names change. */
    private record Prepared(String dir, Rename rename) {}

    private static Prepared prepare(CopyInfo src, CopyInfo dst) throws IOException {
        String[] d = GoPath.splitDirEntry(dst.path());
        String srcBase = GoPath.splitDirEntry(src.path())[1];
        if (!src.rebaseName().isEmpty()) {
            srcBase = src.rebaseName();
        }
        if (dst.exists() && dst.isDir()) {
            return new Prepared(dst.path(), Rename.NONE);
        }
        if (dst.exists() && src.isDir()) {
            throw new LocalArchive.LocalPathException("cannot copy directory", 0);
        }
        if (!dst.exists() && !src.isDir() && GoPath.assertsDirectory(dst.path())) {
            throw new LocalArchive.LocalPathException("no such directory", 0);
        }
        return new Prepared(d[0], Rename.replaceFirst(srcBase, d[1]));
    }

    /**
     * The closing line on stderr. docker 28 means to redraw a running size on a terminal too, but
     * checks the terminal on a wrapper of its stderr that never is one, so only this line shows.
     */
    private void done(boolean quiet, String line) {
        if (!quiet) {
            cli.err().println(line);
            cli.err().flush();
        }
    }
}
