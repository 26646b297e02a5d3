package dev.berth.daemon.containers;

import dev.berth.daemon.api.ApiException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainerRoutesTest {
    @Test
    void humanDurationsAreGos() {
        assertThat(ContainerRoutes.humanDuration(Duration.ofMillis(300))).isEqualTo("Less than a second");
        assertThat(ContainerRoutes.humanDuration(Duration.ofSeconds(1))).isEqualTo("1 second");
        assertThat(ContainerRoutes.humanDuration(Duration.ofSeconds(59))).isEqualTo("59 seconds");
        assertThat(ContainerRoutes.humanDuration(Duration.ofSeconds(61))).isEqualTo("About a minute");
        assertThat(ContainerRoutes.humanDuration(Duration.ofMinutes(3))).isEqualTo("3 minutes");
        assertThat(ContainerRoutes.humanDuration(Duration.ofMinutes(65))).isEqualTo("About an hour");
        assertThat(ContainerRoutes.humanDuration(Duration.ofHours(5))).isEqualTo("5 hours");
        assertThat(ContainerRoutes.humanDuration(Duration.ofDays(3))).isEqualTo("3 days");
        assertThat(ContainerRoutes.humanDuration(Duration.ofDays(20))).isEqualTo("2 weeks");
    }

    @Test
    void statusStrings() {
        Instant now = Instant.parse("2026-01-01T00:10:00Z");
        ContainerState running = ContainerState.created().started(1, "2026-01-01T00:07:00Z");
        assertThat(ContainerRoutes.status(running, now)).isEqualTo("Up 3 minutes");
        assertThat(ContainerRoutes.status(running.paused(true), now)).isEqualTo("Up 3 minutes (Paused)");
        assertThat(ContainerRoutes.status(running.exited(3, false, "2026-01-01T00:09:58Z"), now)).isEqualTo("Exited (3) 2 seconds ago");
        assertThat(ContainerRoutes.status(ContainerState.created(), now)).isEqualTo("Created");
    }

    @Test
    void detachKeysAndTimes() {
        assertThat(ContainerRoutes.detachKeys("ctrl-p,ctrl-q")).containsExactly(16, 17);
        assertThat(ContainerRoutes.detachKeys("a,ctrl-@")).containsExactly('a', 0);
        assertThatThrownBy(() -> ContainerRoutes.detachKeys("ctrl-pp")).isInstanceOf(ApiException.class);
        assertThat(ContainerRoutes.parseTime("1700000000.5")).isEqualTo(Instant.ofEpochSecond(1700000000, 500_000_000));
        assertThat(ContainerRoutes.parseTime("2026-01-01T00:00:00Z")).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(ContainerRoutes.rfc3339NanoFixed(Instant.parse("2026-01-01T00:00:00.1Z"))).isEqualTo("2026-01-01T00:00:00.100000000Z");
    }

    @Test
    void signals() {
        assertThat(Signals.parse("SIGKILL")).isEqualTo("9");
        assertThat(Signals.parse("term")).isEqualTo("15");
        assertThat(Signals.parse("10")).isEqualTo("10");
        assertThat(Signals.parse("SIGRTMIN+1")).isEqualTo("35");
        assertThatThrownBy(() -> Signals.parse("NOPE")).isInstanceOf(ApiException.class).hasMessage("Invalid signal: NOPE");
    }
}
