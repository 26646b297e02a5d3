package dev.berth.daemon.events;

import dev.berth.daemon.api.ApiException;
import dev.berth.daemon.api.Exchange;
import dev.berth.daemon.api.Filters;
import dev.berth.daemon.api.Router;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** {@code GET /events}: past events from {@code since}, then live ones until {@code until} or the client leaves. */
public final class EventRoutes {
    private static final Set<String> FILTERS = Set.of("container", "image", "event", "type", "label", "network", "volume",
            "daemon", "scope", "plugin", "node", "service", "secret", "config");

    private final EventLog log;

    public EventRoutes(EventLog log) {
        this.log = log;
    }

    public void register(Router r) {
        r.get("/events", this::events);
    }

    private void events(Exchange ex) throws IOException, InterruptedException {
        long now = nowNano();
        long since = ex.hasQuery("since") && !ex.query("since").isEmpty() ? time(ex.query("since"), "since") : -1;
        long until = ex.hasQuery("until") && !ex.query("until").isEmpty() ? time(ex.query("until"), "until") : Long.MAX_VALUE;
        if (since >= 0 && until != Long.MAX_VALUE && since > until) {
            throw ApiException.badRequest("`since` time (" + ex.query("since") + ") cannot be after `until` time ("
                    + ex.query("until") + ")");
        }
        Filters f = ex.filters().allowOnly(FILTERS);
        Predicate<EventLog.Event> filter = e -> matches(f, e);
        // a client asking only "until" a past time gets the past events up to it, as with Docker
        long from = since >= 0 ? since : until != Long.MAX_VALUE ? 0 : -1;
        try (EventLog.Subscription s = log.subscribe(from, filter);
             OutputStream out = ex.startStream(200, "application/json")) {
            for (EventLog.Event e : s.past()) {
                if (e.timeNano() > until) {
                    return;
                }
                write(ex, out, e);
            }
            if (until <= now) {
                return;
            }
            while (ex.isOpen() && !s.overflowed()) {
                long left = until == Long.MAX_VALUE ? 1000 : Math.min(1000, TimeUnit.NANOSECONDS.toMillis(until - nowNano()));
                if (left <= 0) {
                    return;
                }
                EventLog.Event e = s.queue().poll(left, TimeUnit.MILLISECONDS);
                if (e != null) {
                    if (e.timeNano() > until) {
                        return;
                    }
                    write(ex, out, e);
                }
            }
        }
    }

    private static long nowNano() {
        Instant n = Instant.now();
        return n.getEpochSecond() * 1_000_000_000L + n.getNano();
    }

    /** Unix seconds with an optional fraction (what the docker CLI sends), or RFC 3339. */
    static long time(String s, String what) {
        try {
            return new BigDecimal(s).movePointRight(9).longValue();
        } catch (NumberFormatException notNumber) {
            try {
                Instant i = Instant.parse(s);
                return i.getEpochSecond() * 1_000_000_000L + i.getNano();
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("invalid value for " + what + ": " + s);
            }
        }
    }

    static boolean matches(Filters f, EventLog.Event e) {
        Map<String, String> a = e.attributes();
        String action = e.action();
        int colon = action.indexOf(':');
        String bareAction = colon < 0 ? action : action.substring(0, colon);
        return f.matchesAny("type", t -> t.equals(e.type()))
                && f.matchesAny("event", ev -> ev.equals(action) || ev.equals(bareAction))
                && f.matchesAny("container", c -> e.type().equals("container")
                        && (e.actorId().startsWith(c) || c.equals(a.get("name"))))
                && f.matchesAny("image", i -> i.equals(a.get("image")) || i.equals(e.actorId()) || i.equals(a.get("name"))
                        || (a.get("image") != null && (a.get("image").equals(i + ":latest"))))
                && f.matchesAny("network", n -> e.type().equals("network") && (e.actorId().startsWith(n) || n.equals(a.get("name"))))
                && f.matchesAny("volume", v -> e.type().equals("volume") && e.actorId().equals(v))
                && f.matchesAny("scope", s -> s.equals("local"))
                && f.matchesAny("daemon", d -> e.type().equals("daemon"))
                && f.matchesLabels("label", a);
    }

    private static void write(Exchange ex, OutputStream out, EventLog.Event e) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e.type().equals("container") || e.type().equals("image")) {
            // the fields of API versions before 1.22, which the docker CLI still reads
            m.put("status", e.action());
            m.put("id", e.actorId());
            if (e.type().equals("container") && e.attributes().containsKey("image")) {
                m.put("from", e.attributes().get("image"));
            }
        }
        m.put("Type", e.type());
        m.put("Action", e.action());
        Map<String, Object> actor = new LinkedHashMap<>();
        actor.put("ID", e.actorId());
        actor.put("Attributes", e.attributes());
        m.put("Actor", actor);
        m.put("scope", "local");
        m.put("time", e.timeNano() / 1_000_000_000L);
        m.put("timeNano", e.timeNano());
        out.write(ex.json().write(m));
        out.write('\n');
        out.flush();
    }
}
