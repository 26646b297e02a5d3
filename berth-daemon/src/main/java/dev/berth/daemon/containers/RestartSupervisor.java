package dev.berth.daemon.containers;

import dev.berth.daemon.containers.ContainerService.Ctr;
import dev.berth.daemon.runtime.ConmonRuntime;
import dev.berth.daemon.runtime.ExitWatcher;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What happens when a container's process ends: the exit is recorded (from conmon's exit file, or
 * as lost when the monitor died without one), waiters are told, and the container is restarted as
 * its restart policy says or removed if it is {@code --rm}.
 * Transitions take the container's lock as {@link ContainerService} does.
 */
final class RestartSupervisor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RestartSupervisor.class.getName());

    private final ContainerService containers;
    private final ConmonRuntime runtime;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("containers-housekeeping").unstarted(r));
    private ExitWatcher watcher;

    RestartSupervisor(ContainerService containers, ConmonRuntime runtime) {
        this.containers = containers;
        this.runtime = runtime;
    }

    /** Starts watching for exit files; before containers are re-adopted, so that no exit is missed. */
    void watch() throws IOException {
        watcher = new ExitWatcher(runtime.exitDir(), this::onExit);
    }

    /** Starts the periodic poll, once the containers are re-adopted. */
    void startHousekeeping() {
        housekeeping.scheduleWithFixedDelay(this::housekeep, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** Records the exit of a container whose exit file conmon wrote, then restarts or removes it as its settings say. */
    void onExit(String id) {
        Ctr c = containers.known(id);
        if (c == null) {
            return;
        }
        Integer code = runtime.exitCode(id);
        if (code == null) {
            return;
        }
        containers.logs().forget(id);
        c.lock.lock();
        try {
            ContainerRecord r = c.rec;
            if (!r.state().isActive() || runtime.exitCode(id) == null) {
                return;
            }
            Instant at;
            try {
                at = Files.getLastModifiedTime(runtime.exitFile(id)).toInstant();
            } catch (IOException e) {
                at = Instant.now();
            }
            boolean oom = runtime.oomKilled(id, containers.paths().bundle(id));
            long t0 = System.nanoTime();
            try {
                runtime.deleteExited(id);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long t1 = System.nanoTime();
            containers.unmountQuietly(id);
            long t2 = System.nanoTime();
            containers.updateState(c, r.withState(r.state().exited(code, oom, at.toString())));
            if (oom) {
                containers.events().container(c.rec, "oom");
            }
            containers.events().container(c.rec, "die", "exitCode", String.valueOf(code));
            runtime.clearExit(id);
            long t3 = System.nanoTime();
            Instant written = at;
            LOG.fine(() -> "container " + id + " exited with " + code + "; ms: cleanup " + ContainerService.ms(t0, t1) + ", unmount "
                    + ContainerService.ms(t1, t2) + ", record " + ContainerService.ms(t2, t3) + ", recorded after the exit file "
                    + String.format("%.1f", java.time.Duration.between(written, Instant.now()).toNanos() / 1e6));
        } catch (IOException | SQLException e) {
            LOG.log(Level.WARNING, "recording exit of " + id, e);
        } finally {
            c.lock.unlock();
        }
        for (CompletableFuture<Integer> f : c.nextExit) {
            c.nextExit.remove(f);
            f.complete(code);
        }
        if (c.rec.state().status().equals("exited") && shouldRestart(c.rec, code)) {
            try {
                scheduleRestart(c);
            } catch (SQLException e) {
                LOG.log(Level.WARNING, "scheduling restart of " + id, e);
            }
        } else if (containers.hostConfigs().of(c.rec).autoRemove() && !c.restartingByClient) {
            // a restart's own stop must not remove it: the remove raced the start and won now and then
            containers.removeAsync(c);
        }
    }

    /** Docker's rules: always and unless-stopped unless a client stopped it; on-failure for non-zero exits up to the limit. */
    private boolean shouldRestart(ContainerRecord r, int code) {
        HostSettings hs = containers.hostConfigs().of(r);
        Ctr live = containers.known(r.id());
        if (r.manuallyStopped() || live == null || live.removing) {
            return false;
        }
        return switch (hs.restartPolicyName()) {
            case "always", "unless-stopped" -> true;
            case "on-failure" -> code != 0 && (hs.restartPolicy().maximumRetryCount() <= 0
                    || r.restartCount() < hs.restartPolicy().maximumRetryCount());
            default -> false;
        };
    }

    /** Starts the container again after Docker's back-off: 100 ms doubling per quick exit, at most a minute. */
    void scheduleRestart(Ctr c) throws SQLException {
        ContainerRecord r = c.rec;
        long ranMillis = java.time.Duration.between(Instant.parse(r.state().startedAt().equals(ContainerState.ZERO_TIME)
                ? r.state().finishedAt() : r.state().startedAt()), Instant.parse(r.state().finishedAt())).toMillis();
        int quick = ranMillis >= 10_000 ? 0 : Math.min(r.restartCount(), 10);
        long delay = Math.min(60_000, 100L << quick);
        containers.updateState(c, r.withState(r.state().awaitingRestart()));
        housekeeping.schedule(() -> {
            try {
                containers.network().awaitRestored(); // a restart due while berthd starts waits for the network's restore
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            c.lock.lock();
            try {
                if (!containers.isKnown(c) || !c.rec.state().status().equals("restarting") || c.rec.manuallyStopped()) {
                    return;
                }
                containers.updateState(c, c.rec.withRestartCount(c.rec.restartCount() + 1));
                containers.doStart(c);
            } catch (Exception e) {
                LOG.log(Level.WARNING, "restarting " + c.rec.id(), e);
                try {
                    if (c.rec.state().status().equals("restarting")) {
                        containers.updateState(c, c.rec.withState(c.rec.state().exited(c.rec.state().exitCode(), false, ContainerService.now())));
                    }
                } catch (SQLException ignored) {
                    // the record stays as it was
                }
            } finally {
                c.lock.unlock();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * The monitor died without recording an exit (killed, or the machine's runc state was lost):
     * nothing will ever report on the process again, so the container is recorded as exited.
     */
    private void markLost(Ctr c) {
        c.lock.lock();
        try {
            ContainerRecord r = c.rec;
            if (!r.state().isActive() || runtime.conmonPid(containers.paths().bundle(r.id())) != 0 || runtime.exitCode(r.id()) != null) {
                return;
            }
            runtime.delete(r.id());
            containers.unmountQuietly(r.id());
            containers.update(c, r.withState(r.state().exited(255, false, ContainerService.now()).failed(255, "container monitor exited unexpectedly")));
            LOG.warning("container " + r.id() + " lost its monitor");
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "recording the loss of " + c.rec.id(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            c.lock.unlock();
        }
        for (CompletableFuture<Integer> f : c.nextExit) {
            f.complete(255);
        }
    }

    /** The poll behind the exit watcher: missed exits, and monitors gone without one. */
    private void housekeep() {
        for (Ctr c : containers.all()) {
            ContainerRecord r = c.rec;
            if (!r.state().isActive()) {
                continue;
            }
            try {
                if (runtime.exitCode(r.id()) != null) {
                    onExit(r.id());
                    continue;
                }
                if (runtime.conmonPid(containers.paths().bundle(r.id())) == 0 && runtime.exitCode(r.id()) == null) {
                    markLost(c);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "housekeeping " + r.id(), e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        housekeeping.shutdownNow();
        if (watcher != null) {
            watcher.close();
        }
    }
}
