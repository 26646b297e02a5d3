package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.cli.ExitException;
import dev.berth.cli.client.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Iterator;

/** docker's jsonmessage stream (import, pull, load) printed as a non-terminal client prints it. */
final class JsonMessages {
    private JsonMessages() {}

    /** Prints each status line; an "error" message ends the command with exit 1. */
    static void display(InputStream in, PrintStream out) throws IOException {
        Iterator<JsonNode> it = Json.stream(in);
        while (it.hasNext()) {
            JsonNode m = it.next();
            if (m.hasNonNull("errorDetail") || m.hasNonNull("error")) {
                String msg = m.path("errorDetail").path("message").asText(m.path("error").asText());
                out.flush();
                throw new ExitException(1, msg);
            }
            StringBuilder line = new StringBuilder();
            if (m.hasNonNull("id")) {
                line.append(m.get("id").asText()).append(": ");
            }
            if (m.hasNonNull("status")) {
                line.append(m.get("status").asText());
            }
            if (m.hasNonNull("stream")) {
                out.print(m.get("stream").asText());
                continue;
            }
            if (!line.isEmpty()) {
                out.println(line);
            }
        }
        out.flush();
    }
}
