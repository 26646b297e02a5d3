package dev.berth.daemon.events;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;

/**
 * Owns the daemon's events: keeps the last {@link #CAPACITY} for clients asking {@code since} a
 * past time, and hands each new one to every live subscriber. Publishing never blocks.
 */
public final class EventLog {
    /** How many past events are kept (Docker keeps 256; a little more costs nothing). */
    public static final int CAPACITY = 1024;
    /** A subscriber that does not keep up loses its stream rather than growing memory without end. */
    private static final int SUBSCRIBER_BACKLOG = 10_000;

    /** One event: Docker's Type, Action, Actor.ID and Actor.Attributes, with its time in nanoseconds. */
    public record Event(String type, String action, String actorId, Map<String, String> attributes, long timeNano) {}

    /** A live subscription: past events that matched, then new ones on {@link #queue()}; close it when done. */
    public final class Subscription implements AutoCloseable {
        private final Predicate<Event> filter;
        private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>(SUBSCRIBER_BACKLOG);
        private final List<Event> past;
        private volatile boolean overflowed;

        private Subscription(Predicate<Event> filter, List<Event> past) {
            this.filter = filter;
            this.past = past;
        }

        public List<Event> past() {
            return past;
        }

        public BlockingQueue<Event> queue() {
            return queue;
        }

        /** True when events were dropped because the subscriber fell too far behind. */
        public boolean overflowed() {
            return overflowed;
        }

        private void offer(Event e) {
            if (filter.test(e) && !queue.offer(e)) {
                overflowed = true;
            }
        }

        @Override
        public void close() {
            subscribers.remove(this);
        }
    }

    private final ArrayDeque<Event> ring = new ArrayDeque<>(CAPACITY);
    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();
    private long lastNano;

    /** Records an event now. */
    public void publish(String type, String action, String actorId, Map<String, String> attributes) {
        Event e;
        synchronized (ring) {
            Instant now = Instant.now();
            long t = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            // strictly increasing, so "since" the last seen event never repeats it
            lastNano = Math.max(t, lastNano + 1);
            // sorted, as Go writes a map: clients see the attributes in Docker's order
            e = new Event(type, action, actorId, java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(attributes)), lastNano);
            if (ring.size() == CAPACITY) {
                ring.removeFirst();
            }
            ring.addLast(e);
            for (Subscription s : subscribers) {
                s.offer(e);
            }
        }
    }

    /**
     * Subscribes: past events from {@code sinceNano} (inclusive; none when negative) that pass
     * {@code filter}, then every new one that does; no event is missed or seen twice in between.
     */
    public Subscription subscribe(long sinceNano, Predicate<Event> filter) {
        synchronized (ring) {
            List<Event> past = new ArrayList<>();
            if (sinceNano >= 0) {
                for (Event e : ring) {
                    if (e.timeNano() >= sinceNano && filter.test(e)) {
                        past.add(e);
                    }
                }
            }
            Subscription s = new Subscription(filter, List.copyOf(past));
            subscribers.add(s);
            return s;
        }
    }
}
