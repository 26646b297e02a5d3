package dev.berth.daemon.build;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs an action once nothing has touched it for a whole idle period; at most one timer is pending. */
final class IdleTimer {
    private final long idleNanos;
    private final Runnable onIdle;
    private long lastTouched;
    private boolean pending;

    IdleTimer(Duration idle, Runnable onIdle) {
        this.idleNanos = idle.toNanos();
        this.onIdle = onIdle;
    }

    /** Starts the idle period over. */
    synchronized void touch() {
        lastTouched = System.nanoTime();
        if (!pending) {
            pending = true;
            schedule(idleNanos);
        }
    }

    private void schedule(long delayNanos) {
        CompletableFuture.delayedExecutor(delayNanos + TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.NANOSECONDS).execute(this::check);
    }

    private void check() {
        synchronized (this) {
            long left = idleNanos - (System.nanoTime() - lastTouched);
            if (left > 0) {
                schedule(left); // touched since: look again when the period would end
                return;
            }
            pending = false;
        }
        onIdle.run(); // outside this lock: the action takes its owner's, whose methods touch this timer
    }
}
