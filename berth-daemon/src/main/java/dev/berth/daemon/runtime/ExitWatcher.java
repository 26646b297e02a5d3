package dev.berth.daemon.runtime;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches conmon's exit directory and reports the container ID of each exit file that appears
 * or changes. Callers re-check the file: an event may come before conmon finished writing it.
 */
public final class ExitWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ExitWatcher.class.getName());

    private final WatchService watch;
    private final Thread thread;

    public ExitWatcher(Path exitDir, Consumer<String> onExit) throws IOException {
        watch = FileSystems.getDefault().newWatchService();
        exitDir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        thread = Thread.ofPlatform().daemon().name("exit-watcher").start(() -> {
            try {
                while (true) {
                    WatchKey key = watch.take();
                    for (WatchEvent<?> ev : key.pollEvents()) {
                        if (ev.context() instanceof Path p) {
                            String name = p.getFileName().toString();
                            if (name.length() == 64 && !name.contains(".")) {
                                try {
                                    onExit.accept(name);
                                } catch (RuntimeException e) {
                                    LOG.log(Level.WARNING, "handling exit of " + name, e);
                                }
                            }
                        }
                    }
                    key.reset();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // closing
            }
        });
    }

    @Override
    public void close() throws IOException {
        watch.close();
        thread.interrupt();
    }
}
