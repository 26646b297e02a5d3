package dev.berth.daemon.build;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A build run from the cache alone while its context body is still arriving, on the guess that the body
 * repeats the one the memo retained (an edit-build loop sends the same context again and again). It has
 * no effect: its output is kept, and it gives up ({@link Miss}) at the first step the cache does not have,
 * or that needs a pull, a download or a file's bytes. When the body turns out to be that retained one,
 * byte for byte, the build's answer is the preview's, ready as the last byte lands, instead of starting
 * then; otherwise the preview is dropped and the build runs as usual.
 */
final class BuildPreview {
    private static final Logger LOG = Logger.getLogger(BuildPreview.class.getName());

    /** What a preview could not do without an effect (or without bytes it does not have): the build runs for real. */
    static final class Miss extends RuntimeException {
        static final Miss INSTANCE = new Miss();

        private Miss() {
            super("not in the build cache", null, false, false);
        }
    }

    /** A preview that reached the end: the final image, the messages the client gets, the cache entries used. */
    record Result(String imageId, byte[] output, Set<String> usedKeys) {}

    /** Runs a {@link Builder} in preview mode over a context. */
    interface Run {
        Result run(BuildContext context, java.util.function.BooleanSupplier abandoned) throws Exception;
    }

    private final java.nio.file.Path parent;
    private final String dockerfileName;
    private final Run run;
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private volatile ContextIndex.Snapshot snapshot; // once started
    private volatile boolean abandoned;

    /**
     * A preview that {@link #start} begins.
     *
     * @param parent where the preview's work directory would go (it only makes one to look up --chown names)
     */
    BuildPreview(java.nio.file.Path parent, String dockerfileName, Run run) {
        this.parent = parent;
        this.dockerfileName = dockerfileName;
        this.run = run;
    }

    /**
     * Builds the context {@code retained} describes, on a virtual thread. Called by the context's reader once
     * half the body repeated that retained one: late enough that a changed context rarely pays for a preview,
     * early enough that the preview is done when the last byte lands.
     */
    void start(ContextIndex.Snapshot retained) {
        if (snapshot != null || abandoned) {
            return;
        }
        snapshot = retained;
        Thread.ofVirtual().name("build-preview").start(() -> {
            try (BuildContext ctx = BuildContext.preview(retained, parent, dockerfileName)) {
                Result r = run.run(ctx, () -> abandoned);
                LOG.fine(() -> "build preview ready: " + r.imageId());
                result.complete(r);
            } catch (Miss miss) {
                result.complete(null);
            } catch (Exception | Error e) {
                // an Error too, so that no build waits for a preview that died; the build proper runs and reports it
                LOG.log(Level.FINE, "build preview gave up", e);
                result.complete(null);
            }
        });
    }

    /**
     * The preview's result for a build whose context is {@code ctx}: non-null only when that context's body
     * was the previewed one byte for byte and the preview built everything from the cache. Waits for a
     * preview still running in that case; otherwise tells it to stop and returns at once.
     */
    Result resultFor(BuildContext ctx) throws InterruptedException {
        ContextIndex.Snapshot s = snapshot;
        if (s == null || !ctx.repeats(s)) {
            abandon();
            return null;
        }
        try {
            return result.get();
        } catch (ExecutionException impossible) {
            return null;
        }
    }

    /** The build no longer wants the preview: it stops at its next step. */
    void abandon() {
        abandoned = true;
    }
}
