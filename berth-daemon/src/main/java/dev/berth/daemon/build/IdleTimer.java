package dev.berth.daemon.build;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Runs an action once nothing has touched it for a whole idle period; at most one timer is pending. */
final class IdleTimer {
    /**
     * One thread for every timer, started with this class (at daemon start): {@link #touch} never
     * starts a thread, which would inherit the scheduling of a build's SCHED_BATCH context threads.
     */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor TIMERS = timers();

    private static java.util.concurrent.ScheduledThreadPoolExecutor timers() {
        var t = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("build-idle-timer").factory());
        t.prestartAllCoreThreads();
        return t;
    }

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
        TIMERS.schedule(this::check, delayNanos + TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.NANOSECONDS);
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
