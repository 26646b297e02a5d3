package dev.berth.cli.run;

import dev.berth.cli.client.DockerClient;
import dev.berth.cli.client.Query;
import dev.berth.sys.Terminal;
import sun.misc.Signal;

/**
 * The local terminal while a TTY container is attached: raw mode on stdin (restored on close,
 * also at JVM exit), and the container's TTY kept at the local window size (on start and SIGWINCH).
 */
public final class TtyControl implements AutoCloseable {
    private final Terminal.RawMode raw;
    private final Thread restoreHook;

    private TtyControl(Terminal.RawMode raw) {
        this.raw = raw;
        this.restoreHook = raw == null ? null : new Thread(raw::close);
        if (restoreHook != null) {
            Runtime.getRuntime().addShutdownHook(restoreHook);
        }
    }

    public static boolean stdinIsTerminal() {
        return Terminal.isTerminal(0);
    }

    /** {rows, cols} of the local terminal (stdout, else stdin), or null. */
    public static int[] size() {
        Terminal.Size s = Terminal.size(1);
        if (s == null) {
            s = Terminal.size(0);
        }
        return s == null || s.rows() == 0 ? null : new int[] {s.rows(), s.cols()};
    }

    /** Raw mode when stdin is a terminal and feeds the container; otherwise nothing to restore. */
    public static TtyControl enter(boolean rawStdin) {
        return new TtyControl(rawStdin && Terminal.isTerminal(0) ? Terminal.makeRaw(0) : null);
    }

    /** Resizes now and on every SIGWINCH. */
    public void monitorSize(DockerClient client, String resizePath) {
        Runnable resize = () -> {
            int[] s = size();
            if (s != null) {
                try {
                    client.send("POST", Query.of().add("h", s[0]).add("w", s[1]).on(resizePath));
                } catch (RuntimeException ignored) {
                    // the container may already be gone
                }
            }
        };
        resize.run();
        try {
            Signal.handle(new Signal("WINCH"), sig -> Thread.ofVirtual().start(resize));
        } catch (IllegalArgumentException ignored) {
            // no SIGWINCH on this platform
        }
    }

    @Override
    public void close() {
        if (raw != null) {
            raw.close();
            try {
                Runtime.getRuntime().removeShutdownHook(restoreHook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }
}
