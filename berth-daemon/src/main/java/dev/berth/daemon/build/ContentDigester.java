package dev.berth.daemon.build;

import dev.berth.oci.Digest;
import dev.berth.oci.LayerArchive;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Digests every regular file of a context tar while the tar is being extracted, on a second
 * reader of the same bytes, so COPY's cache checksum does not read the context a second time.
 * A file's digest is kept under its host path with its size ("size:hex"); the last entry of a name wins, as in
 * extraction. Anything it cannot parse is left to the extractor to refuse; it then just drains.
 */
final class ContentDigester {
    private final Path root;
    private final Map<String, String> digests = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    ContentDigester(Path root) {
        this.root = root;
    }

    /** The body, read through: every byte read is also handed to the digesting thread. */
    InputStream tee(InputStream body) throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        Thread.ofVirtual().start(() -> {
            try (in) {
                digest(in);
            } catch (IOException | RuntimeException e) {
                digests.clear();
                try {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // the writer went away
                }
            } finally {
                done.complete(null);
            }
        });
        return new FilterInputStream(body) {
            private boolean open = true;

            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0 && open) {
                    try {
                        out.write(b, off, n);
                    } catch (IOException readerGone) {
                        open = false;
                    }
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                return Math.max(0, read(new byte[(int) Math.min(n, 65536)]));
            }

            @Override
            public void close() throws IOException {
                // the body stays the exchange's; only the pipe ends here
                out.close();
            }
        };
    }

    private void digest(InputStream in) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(LayerArchive.decompress(in));
        TarArchiveEntry e;
        byte[] buf = new byte[1 << 16];
        while ((e = tar.getNextEntry()) != null) {
            String name;
            try {
                name = CopyPlan.inside(e.getName());
            } catch (IOException bad) {
                continue;
            }
            if (!e.isFile() || e.isLink() || name.isEmpty()) {
                digests.remove(root.resolve(name).toString());
                continue;
            }
            MessageDigest md = Digest.newSha256();
            long size = 0;
            int n;
            while ((n = tar.read(buf)) > 0) {
                md.update(buf, 0, n);
                size += n;
            }
            digests.put(root.resolve(name).toString(), size + ":" + HexFormat.of().formatHex(md.digest()));
        }
        in.transferTo(OutputStream.nullOutputStream());
    }

    /** The digests, once the whole tar went through (empty when it could not be parsed). */
    Map<String, String> digests() throws IOException {
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
        return Map.copyOf(digests);
    }
}
