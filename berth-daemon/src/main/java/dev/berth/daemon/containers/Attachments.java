package dev.berth.daemon.containers;

import dev.berth.daemon.containers.ContainerService.Ctr;
import dev.berth.daemon.runtime.ConmonRuntime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Connects attach clients to a container's conmon: at once while it runs, or queued on its
 * {@link Ctr} until it starts (conmon's socket exists before the process runs, so no output is
 * missed), and ended when the start does not come.
 */
final class Attachments {
    private static final Logger LOG = Logger.getLogger(Attachments.class.getName());

    private final ConmonRuntime runtime;
    private final ContainerPaths paths;

    Attachments(ConmonRuntime runtime, ContainerPaths paths) {
        this.runtime = runtime;
        this.paths = paths;
    }

    /** Connects or queues {@code s}; takes the container's lock so that a start does not slip between. */
    void attach(Ctr c, AttachSession s) throws IOException {
        c.lock.lock();
        try {
            ContainerState st = c.rec.state();
            if (st.isActive()) {
                s.connect(runtime.attachSocket(c.rec.id(), paths.bundle(c.rec.id())));
            } else if (st.status().equals("created") || st.status().equals("exited")) {
                c.pendingAttach.add(s);
            } else {
                s.finish();
            }
        } finally {
            c.lock.unlock();
        }
    }

    /** Forgets a session whose client went away before the container started. */
    void detachPending(Ctr c, AttachSession s) {
        c.pendingAttach.remove(s);
    }

    /**
     * Connects the sessions waiting for this start, before the process runs, and returns once
     * conmon has accepted them, so no output is missed; the caller holds the container's lock.
     */
    void connectPending(Ctr c) throws InterruptedException {
        String id = c.rec.id();
        Path bundle = paths.bundle(id);
        int baseline = runtime.conmonSocketCount(bundle);
        int added = 0;
        for (AttachSession s : c.pendingAttach) {
            c.pendingAttach.remove(s);
            try {
                s.connect(runtime.attachSocket(id, bundle));
                added += s.connections();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot attach to " + id, e);
                s.finish();
            }
        }
        runtime.awaitAccepted(bundle, baseline, added);
    }

    /** Ends the sessions that waited for a start that will not come (it failed, or the container is removed). */
    void finishPending(Ctr c) {
        for (AttachSession s : c.pendingAttach) {
            c.pendingAttach.remove(s);
            s.finish();
        }
    }
}
