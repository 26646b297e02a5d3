package dev.berth.daemon.network;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the host's network tools ({@code ip}, {@code iptables}) and reports their errors. */
final class HostCommand {
    private HostCommand() {}

    /** Runs {@code argv} with {@code stdin} (or none); returns stdout; throws with stderr on a non-zero exit. */
    static String run(List<String> argv, String stdin) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IOException(String.join(" ", argv.subList(0, Math.min(2, argv.size()))) + " failed (" + rc + "): "
                        + out.trim() + (stdin != null ? "\ninput:\n" + stdin : ""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + argv.getFirst(), e);
        }
        return out;
    }

    /** {@code ip -batch -} with one command per line; {@code -force} goes on past failed lines. */
    static void ipBatch(String commands, boolean force) throws IOException {
        run(force ? List.of("ip", "-force", "-batch", "-") : List.of("ip", "-batch", "-"), commands);
    }

    /** True if the command succeeds (a check, such as {@code iptables -C}). */
    static boolean succeeds(List<String> argv) {
        try {
            run(argv, null);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
