package dev.berth.cli.run;

import dev.berth.cli.client.DockerClient;
import dev.berth.cli.client.Query;
import dev.berth.cli.client.Response;
import dev.berth.cli.client.StreamDemux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A hijacked attach connection: stdin is pumped to the container from a daemon thread (half-closing
 * the socket at end of input), output is copied until the container closes the stream.
 */
public final class AttachSession implements AutoCloseable {
    private final Response stream;
    private final boolean stdin;

    private AttachSession(Response stream, boolean stdin) {
        this.stream = stream;
        this.stdin = stdin;
    }

    /** POST /containers/{id}/attach with docker's query (stream=1 and the chosen streams). */
    public static AttachSession open(DockerClient client, String id, CreateRequest.Attach at, String detachKeys) {
        String path = Query.of().add("detachKeys", detachKeys).flag("stderr", at.stderr()).flag("stdin", at.stdin())
                .flag("stdout", at.stdout()).flag("stream", true).on("/containers/" + id + "/attach");
        return new AttachSession(client.hijack(path, null), at.stdin());
    }

    /** POST /exec/{id}/start, hijacked: the exec'd process's streams. */
    public static AttachSession exec(DockerClient client, String execId, com.fasterxml.jackson.databind.JsonNode body, boolean stdin) {
        return new AttachSession(client.hijack("/exec/" + execId + "/start", body), stdin);
    }

    /** Starts copying {@code in} to the container (if stdin is attached). */
    public void pumpStdin(InputStream in) {
        if (!stdin) {
            return;
        }
        Thread t = new Thread(() -> {
            OutputStream out = stream.output();
            byte[] buf = new byte[32 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
                stream.closeWrite();
            } catch (IOException ignored) {
                // the container or the connection went away
            }
        }, "berth-stdin");
        t.setDaemon(true);
        t.start();
    }

    /** Copies the container's output until it ends: raw for a TTY, demultiplexed otherwise. */
    public void copyOutput(boolean tty, OutputStream out, OutputStream err) throws IOException {
        try {
            if (tty) {
                RawCopy.copy(stream.body(), out);
            } else {
                StreamDemux.copy(stream.body(), out, err);
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("error from daemon")) {
                throw e;
            }
            // a reset connection after the container exited is the normal end of a stream
        } finally {
            out.flush();
            err.flush();
        }
    }

    @Override
    public void close() {
        try {
            stream.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
