package dev.berth.sys;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Terminal calls on descriptors that are not terminals (surefire's are pipes); the TTY path is tested end to end in berth-tests. */
class TerminalTest {
    @Test
    void pipesAreNotTerminals() {
        assertThat(Terminal.isTerminal(0)).isFalse();
        assertThat(Terminal.size(0)).isNull();
        assertThat(Terminal.isTerminal(-1)).isFalse();
    }

    @Test
    void rawModeNeedsATerminal() {
        assertThatThrownBy(() -> Terminal.makeRaw(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not a terminal");
    }
}
