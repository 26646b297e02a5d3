package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Json;
import dev.berth.cli.format.HumanUnits;

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
            boolean progressLine = id != null && (m.has("progressDetail") || !m.path("progress").asText("").isEmpty());
            if (terminal && progressLine) {
                Integer line = lines.get(id);
                if (line == null) {
                    line = lines.size();
                    lines.put(id, line);
                    out.print("\n");
                }
                diff = lines.size() - line;
                out.print("\u001b[" + diff + "A");
            } else if (!progressLine) {
                // Something that is not a layer line: later layers start a fresh block (pull -a).
                lines.clear();
            }
            displayOne(m, id, out, terminal);
            if (terminal && progressLine) {
                out.print("\u001b[" + diff + "B");
            }
        }
        out.flush();
    }

    /** The terminal's columns (0 for a terminal without a size, as docker reads it); 200 when unreadable. */
    private static int terminalWidth() {
        dev.berth.sys.Terminal.Size size = dev.berth.sys.Terminal.size(1);
        return size == null ? 200 : size.cols();
    }

    /**
     * Docker's JSONProgress.String(), drawn by the client at its terminal's width: the
     * {@code [===>   ]} box only when the terminal is wider than 110 columns.
     */
    static String bar(JsonNode detail, int width) {
        long current = detail.path("current").asLong(0);
        long total = detail.path("total").asLong(0);
        if (current <= 0 && total <= 0) {
            return "";
        }
        if (total <= 0) {
            return String.format("%8s", HumanUnits.humanSize(current));
        }
        int pct = Math.min(50, (int) ((double) current / total * 100) / 2);
        String box = width > 110 ? "[" + "=".repeat(pct) + ">" + " ".repeat(Math.max(0, 50 - pct)) + "] " : "";
        String numbers = current > total ? String.format("%8s", HumanUnits.humanSize(current))
                : String.format("%8s/%s", HumanUnits.humanSize(current), HumanUnits.humanSize(total));
        return box + numbers;
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
        if (terminal && hasProgress) {
            out.print(status + " " + bar(m.get("progressDetail"), terminalWidth()) + endl);
        } else if (m.hasNonNull("stream")) {
            out.print(m.get("stream").asText() + endl);
        } else {
            out.print(status + endl + "\n");
        }
    }
}
