package dev.berth.daemon.runtime;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Wakes waiters when files appear in directories they watch: one inotify instance and one thread for
 * the daemon, so waiting for runc's pid file costs a few wake-ups instead of a poll every millisecond.
 */
final class DirWatcher {
    private final WatchService watch;
    private final Map<WatchKey, Semaphore> waiting = new ConcurrentHashMap<>();

    /** One watched directory; {@link #await} returns early when something was created in it since the last call. */
    final class Watch implements AutoCloseable {
        private final WatchKey key;
        private final Semaphore created = new Semaphore(0);

        private Watch(WatchKey key) {
            this.key = key;
        }

        /** Waits up to {@code millis} for a file to be created (or renamed into place) in the directory. */
        void await(long millis) throws InterruptedException {
            if (created.tryAcquire(millis, TimeUnit.MILLISECONDS)) {
                created.drainPermits();
            }
        }

        @Override
        public void close() {
            waiting.remove(key);
            key.cancel();
        }
    }

    DirWatcher() throws IOException {
        watch = FileSystems.getDefault().newWatchService();
        Thread.ofPlatform().daemon().name("dir-watcher").start(() -> {
            try {
                while (true) {
                    WatchKey key = watch.take();
                    key.pollEvents();
                    Semaphore s = waiting.get(key);
                    if (s != null) {
                        s.release();
                    }
                    key.reset();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // the daemon is going away
            }
        });
    }

    /** Starts watching {@code dir} for new entries; close the result when done. */
    Watch watch(Path dir) throws IOException {
        WatchKey key = dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
        Watch w = new Watch(key);
        waiting.put(key, w.created);
        return w;
    }
}
