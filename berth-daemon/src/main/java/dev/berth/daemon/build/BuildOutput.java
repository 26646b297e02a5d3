package dev.berth.daemon.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The classic builder's JSON message stream ({@code {"stream":…}}, {@code {"aux":…}},
 * {@code {"errorDetail":…}}). A stage built beside others writes into a {@link #buffered()} copy
 * whose messages reach the client whole when the stage ends, so parallel stages never interleave.
 */
final class BuildOutput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OutputStream out;
    private final boolean quiet;
    private final List<byte[]> pending;

    private BuildOutput(OutputStream out, boolean quiet, List<byte[]> pending) {
        this.out = out;
        this.quiet = quiet;
        this.pending = pending;
    }

    /** Writes straight to the client; {@code quiet} drops the step text (the {@code q} option). */
    static BuildOutput of(OutputStream out, boolean quiet) {
        return new BuildOutput(out, quiet, null);
    }

    /** A copy that keeps its messages until {@link #flushTo()} . */
    BuildOutput buffered() {
        return new BuildOutput(out, quiet, new ArrayList<>());
    }

    /** Step text: shown unless quiet. */
    void stream(String text) {
        if (!quiet) {
            write(JSON.createObjectNode().put("stream", text));
        }
    }

    /** Text shown even when quiet (the image ID at the end of a quiet build). */
    void always(String text) {
        write(JSON.createObjectNode().put("stream", text));
    }

    void aux(String imageId) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("aux").put("ID", imageId);
        write(n);
    }

    void error(String message, int code) {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode d = n.putObject("errorDetail");
        if (code != 0) {
            d.put("code", code);
        }
        d.put("message", message);
        n.put("error", message);
        write(n);
    }

    /** Something that writes docker messages of its own (a pull's progress). */
    interface RawWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Lets {@code writer} write to the client directly, with no other message in between. */
    void raw(RawWriter writer) throws IOException {
        synchronized (out) {
            writer.writeTo(out);
            out.flush();
        }
    }

    /** Sends what a buffered copy kept, in one piece. */
    void flushTo() {
        if (pending == null) {
            return;
        }
        synchronized (out) {
            try {
                for (byte[] b : pending) {
                    out.write(b);
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pending.clear();
        }
    }

    private void write(ObjectNode n) {
        byte[] b;
        try {
            b = (JSON.writeValueAsString(n) + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (pending != null) {
            pending.add(b);
            return;
        }
        synchronized (out) {
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
