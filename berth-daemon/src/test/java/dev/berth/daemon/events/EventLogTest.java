package dev.berth.daemon.events;

import dev.berth.daemon.api.Filters;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventLogTest {
    @Test
    void pastEventsFromSinceThenLiveOnesWithoutGapOrRepeat() throws Exception {
        EventLog log = new EventLog();
        log.publish("container", "create", "a", Map.of("name", "x"));
        log.publish("container", "start", "a", Map.of("name", "x"));
        long t = log.subscribe(0, e -> true).past().get(1).timeNano();
        try (EventLog.Subscription s = log.subscribe(t, e -> true)) {
            assertThat(s.past()).extracting(EventLog.Event::action).containsExactly("start");
            log.publish("container", "die", "a", Map.of("exitCode", "0", "name", "x"));
            EventLog.Event live = s.queue().take();
            assertThat(live.action()).isEqualTo("die");
            assertThat(live.timeNano()).isGreaterThan(t);
            // attributes come out sorted by name, as Go writes a map
            assertThat(live.attributes().keySet()).containsExactly("exitCode", "name");
        }
    }

    @Test
    void theRingKeepsTheNewest() {
        EventLog log = new EventLog();
        for (int i = 0; i < EventLog.CAPACITY + 10; i++) {
            log.publish("image", "tag", "id" + i, Map.of());
        }
        List<EventLog.Event> past = log.subscribe(0, e -> true).past();
        assertThat(past).hasSize(EventLog.CAPACITY);
        assertThat(past.getFirst().actorId()).isEqualTo("id10");
    }

    @Test
    void filtersAsDockerMatchesThem() {
        EventLog.Event exec = new EventLog.Event("container", "exec_start: sh -c true", "abcdef", Map.of("name", "web",
                "image", "busybox", "team", "blue"), 1);
        assertThat(EventRoutes.matches(filters("event", "exec_start"), exec)).isTrue();
        assertThat(EventRoutes.matches(filters("container", "web"), exec)).isTrue();
        assertThat(EventRoutes.matches(filters("container", "abc"), exec)).isTrue();
        assertThat(EventRoutes.matches(filters("container", "other"), exec)).isFalse();
        assertThat(EventRoutes.matches(filters("label", "team=blue"), exec)).isTrue();
        assertThat(EventRoutes.matches(filters("label", "team=red"), exec)).isFalse();
        assertThat(EventRoutes.matches(filters("type", "image"), exec)).isFalse();
        assertThat(EventRoutes.matches(filters("image", "busybox"), exec)).isTrue();
    }

    @Test
    void timesAsTheCliSendsThem() {
        assertThat(EventRoutes.time("1700000000.5", "since")).isEqualTo(1_700_000_000_500_000_000L);
        assertThat(EventRoutes.time("1700000000", "since")).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(EventRoutes.time("2023-11-14T22:13:20Z", "since")).isEqualTo(1_700_000_000_000_000_000L);
    }

    private static Filters filters(String name, String value) {
        return new Filters(Map.of(name, List.of(value)));
    }
}
