package dev.berth.daemon.runtime;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the files conmon rotates away: for each running container with a size limit, it holds the
 * file conmon writes and retires it among the rotated files as soon as conmon replaces it.
 *
 * <p>It reacts to conmon's replacements as they happen (inotify on the container's directory), since a
 * file conmon replaces twice before berthd holds the second one is lost. Counting the live file's
 * creations against the files held tells when that happened, and the log is marked there
 * ({@link ContainerLog#retire}, {@link ContainerLog#markLost}) so that reads do not join pieces across the gap.
 */
public final class LogKeeper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LogKeeper.class.getName());

    private final WatchService watcher;
    private final Map<String, Kept> byId = new ConcurrentHashMap<>();
    private final Map<WatchKey, Kept> byKey = new ConcurrentHashMap<>();
    private final Thread thread;

    /** One container's log and what is known of conmon's files since berthd last held one. */
    private static final class Kept {
        final ContainerLog log;
        WatchKey key;
        /** Live files conmon created that berthd has not held. */
        int unheld;
        /** Whether the held file was the last before the live one is unknown (events overflowed, or berthd was down). */
        boolean uncertain;

        Kept(ContainerLog log) {
            this.log = log;
        }
    }

    public LogKeeper() throws IOException {
        watcher = FileSystems.getDefault().newWatchService();
        thread = Thread.ofPlatform().daemon().name("container-logs").start(this::run);
    }

    /**
     * Starts keeping {@code log}: before its conmon starts (whose first file then counts as a creation), or for a
     * container re-adopted after a restart, whose replacements while berthd was down are unknown.
     */
    public void keep(String id, ContainerLog log, boolean adopted) throws IOException {
        forget(id);
        Kept k = new Kept(log);
        synchronized (k) {
            synchronized (this) {
                // the event thread looks keys up under this lock, so none of this key's events goes unclaimed
                k.key = log.path().getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
                byKey.put(k.key, k);
                byId.put(id, k);
            }
            // replaced while berthd was down: once or more, nobody knows
            k.uncertain = adopted && log.hold() == ContainerLog.Hold.REPLACED;
            update(k);
        }
    }

    /** Stops keeping a container's log (it exited or is removed); what is held stays for reads and the next start. */
    public void forget(String id) {
        Kept k = byId.remove(id);
        if (k != null) {
            k.key.cancel();
            byKey.remove(k.key);
        }
    }

    private void run() {
        while (true) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Kept k;
            synchronized (this) {
                k = byKey.get(key);
            }
            int created = 0;
            boolean overflow = false;
            for (WatchEvent<?> e : key.pollEvents()) {
                if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                    overflow = true;
                } else if (k != null && k.log.path().getFileName().equals(e.context())) {
                    created += e.count();
                }
            }
            if (!key.reset() && k != null) {
                // the directory is gone with its container
                byKey.remove(key, k);
                byId.values().remove(k);
                continue;
            }
            if (overflow) {
                // the kernel's queue overflowed: every log may have missed a replacement
                for (Kept each : byKey.values()) {
                    synchronized (each) {
                        each.uncertain = true;
                        update(each);
                    }
                }
            } else if (k != null && created > 0) {
                synchronized (k) {
                    k.unheld += created;
                    update(k);
                }
            }
        }
    }

    /** Brings the held file up to date with what conmon did; called with {@code k} locked. */
    private void update(Kept k) {
        try {
            switch (k.log.hold()) {
                case NO_LIVE -> {
                    // conmon has not created its file yet: its creation will be counted
                }
                case NONE -> {
                    if (k.unheld >= 2) {
                        // conmon's first file was replaced before berthd held it
                        k.log.markLost();
                    }
                    k.log.holdLive();
                    k.unheld = 0;
                    k.uncertain = false;
                }
                case REPLACED -> {
                    k.log.retire(k.unheld >= 2 || k.uncertain);
                    k.log.holdLive();
                    // a creation not counted yet (its event still on its way) is the file just held
                    k.unheld = 0;
                    k.uncertain = false;
                }
                case LIVE -> {
                    if (k.unheld > 0) {
                        // conmon created files since berthd held this one, and this one is still live: the held
                        // one was taken before its own creation was counted, and the file before it was lost
                        k.log.markLost();
                    }
                    k.unheld = 0;
                    k.uncertain = false;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "keeping " + k.log.path(), e);
        }
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        thread.interrupt();
    }
}
