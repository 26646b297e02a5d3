package dev.berth.daemon.distribution;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Docker's jsonmessage stream: one JSON object per line ({@code status}, {@code id},
 * {@code progressDetail}, {@code progress}, {@code aux}, {@code errorDetail}), which the docker CLI
 * draws as per-layer progress bars. Safe for concurrent layer threads; byte counts are sent at
 * most every {@value #MIN_INTERVAL_NANOS} ns per id so a fast download does not flood the client.
 * A client that went away does not stop the work: writes after that are dropped.
 */
public final class Progress {
    private static final long MIN_INTERVAL_NANOS = 100_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] NEWLINE = "\r\n".getBytes(StandardCharsets.US_ASCII);

    private final java.util.function.Supplier<OutputStream> opener;
    private OutputStream out;
    private final Map<String, Long> lastSent = new ConcurrentHashMap<>();
    private volatile boolean broken;
    private volatile boolean started;

    /** Messages for nobody. */
    public static Progress none() {
        return new Progress(null);
    }

    /**
     * Messages to the stream {@code opener} starts when the first one is sent: until then an
     * error can still be answered with a plain HTTP error status, as docker does.
     */
    public Progress(java.util.function.Supplier<OutputStream> opener) {
        this.opener = opener;
    }

    /** True once a message was sent (the response is committed). */
    public boolean started() {
        return started;
    }

    /** Ends the stream, if one was started. */
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the client went away
            }
        }
    }

    /** {@code {"status": status}}. */
    public void status(String status) {
        send(node(status, null));
    }

    /** {@code {"status": status, "id": id}}, or without the id when it is null. */
    public void status(String id, String status) {
        ObjectNode n = node(status, null);
        if (id != null) {
            n.put("id", id);
        }
        send(n);
    }

    /** {@code {"status": status, "progressDetail": {}, "id": id}}. */
    public void layer(String id, String status) {
        ObjectNode n = node(status, id);
        n.putObject("progressDetail");
        n.put("id", id);
        send(n);
        lastSent.remove(id);
    }

    /** A byte-count update, rate limited per id; {@code total <= 0} when unknown. */
    public void bytes(String id, String status, long current, long total) {
        long now = System.nanoTime();
        Long last = lastSent.get(id);
        if (last != null && now - last < MIN_INTERVAL_NANOS && (total <= 0 || current < total)) {
            return;
        }
        lastSent.put(id, now);
        ObjectNode n = node(status, null);
        ObjectNode d = n.putObject("progressDetail");
        d.put("current", current);
        if (total > 0) {
            d.put("total", total);
        }
        n.put("progress", bar(current, total));
        n.put("id", id);
        send(n);
    }

    /** {@code {"stream": text}}: load's "Loaded image" lines. */
    public void stream(String text) {
        ObjectNode n = JSON.createObjectNode();
        n.put("stream", text);
        send(n);
    }

    /** {@code {"progressDetail": {}, "aux": aux}}. */
    public void aux(Object aux) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("progressDetail");
        n.set("aux", JSON.valueToTree(aux));
        send(n);
    }

    /** {@code {"errorDetail": {"message": m}, "error": m}}: how a failure after the 200 reaches the client. */
    public void error(String message) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("errorDetail").put("message", message);
        n.put("error", message);
        send(n);
    }

    private static ObjectNode node(String status, String id) {
        ObjectNode n = JSON.createObjectNode();
        if (status != null) {
            n.put("status", status);
        }
        return n;
    }

    private void send(ObjectNode n) {
        if (opener == null || broken) {
            return;
        }
        try {
            byte[] b = JSON.writeValueAsBytes(n);
            synchronized (this) {
                if (out == null) {
                    started = true;
                    out = opener.get();
                }
                out.write(b);
                out.write(NEWLINE);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            broken = true;
        }
    }

    /** Docker's JSONProgress.String() at its default width: {@code [====>     ]  1.2MB/3.4MB}. */
    static String bar(long current, long total) {
        if (current <= 0 && total <= 0) {
            return "";
        }
        if (total <= 0) {
            return String.format("%8s", humanSize(current));
        }
        int pct = (int) ((double) current / total * 100) / 2;
        pct = Math.min(pct, 50);
        String box = "[" + "=".repeat(pct) + ">" + " ".repeat(Math.max(0, 50 - pct)) + "] ";
        String numbers = current > total ? String.format("%8s", humanSize(current))
                : String.format("%8s/%s", humanSize(current), humanSize(total));
        return box + numbers;
    }

    /** Go's units.HumanSize: decimal units, four significant digits ({@code 1.234MB}, {@code 527B}). */
    public static String humanSize(double size) {
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
        int i = 0;
        while (size >= 1000 && i < units.length - 1) {
            size /= 1000;
            i++;
        }
        return goG4(size) + units[i];
    }

    /** Go's %.4g: four significant digits, trailing zeros dropped. */
    private static String goG4(double v) {
        if (v == 0) {
            return "0";
        }
        java.math.BigDecimal bd = new java.math.BigDecimal(v).round(new java.math.MathContext(4));
        String s = bd.stripTrailingZeros().toPlainString();
        return s.toLowerCase(Locale.ROOT);
    }
}
