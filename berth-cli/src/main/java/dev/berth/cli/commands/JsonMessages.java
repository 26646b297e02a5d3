package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/**
 * docker's jsonmessage stream (import, pull, push, load) printed as the docker CLI prints it: on
 * a terminal one line per layer ID, redrawn in place with its progress bar; elsewhere only the
 * status lines, without byte counts.
 */
final class JsonMessages {
    private JsonMessages() {}

    /** Prints each status line; an "error" message ends the command with exit 1. */
    static void display(InputStream in, PrintStream out) throws IOException {
        display(in, out, false, aux -> { });
    }

    /**
     * Prints the stream; {@code aux} messages (push's digest record) go to {@code aux}.
     *
     * @param terminal true when {@code out} is a terminal: progress bars, lines redrawn in place
     */
    static void display(InputStream in, PrintStream out, boolean terminal, Consumer<JsonNode> aux) throws IOException {
        Iterator<JsonNode> it = Json.stream(in);
        Map<String, Integer> lines = new HashMap<>();
        while (it.hasNext()) {
            JsonNode m = it.next();
            if (m.hasNonNull("errorDetail") || m.hasNonNull("error")) {
                String msg = m.path("errorDetail").path("message").asText(m.path("error").asText());
                out.flush();
                throw new ExitException(1, msg);
            }
            if (m.hasNonNull("aux")) {
                aux.accept(m.get("aux"));
                continue;
            }
            String id = m.hasNonNull("id") ? m.get("id").asText() : null;
            int diff = 0;
            if (terminal && id != null) {
                Integer line = lines.get(id);
                if (line == null) {
                    line = lines.size();
                    lines.put(id, line);
                    out.print("\n");
                }
                diff = lines.size() - line;
                out.print("\u001b[" + diff + "A");
            } else if (id == null) {
                // Something that is not a layer line: later layers start a fresh block (pull -a).
                lines.clear();
            }
            displayOne(m, id, out, terminal);
            if (terminal && id != null) {
                out.print("\u001b[" + diff + "B");
            }
        }
        out.flush();
    }

    private static void displayOne(JsonNode m, String id, PrintStream out, boolean terminal) {
        boolean hasProgress = m.has("progressDetail");
        String progress = m.path("progress").asText("");
        String endl = "";
        if (terminal && !m.hasNonNull("stream") && hasProgress) {
            out.print("\u001b[2K\r");
            endl = "\r";
        } else if (!progress.isEmpty()) {
            return; // byte counts only make sense on a terminal
        }
        if (id != null) {
            out.print(id + ": ");
        }
        String status = m.path("status").asText("");
        if (terminal && !progress.isEmpty()) {
            out.print(status + " " + progress + endl);
        } else if (m.hasNonNull("stream")) {
            out.print(m.get("stream").asText() + endl);
        } else {
            out.print(status + endl + "\n");
        }
    }
}
