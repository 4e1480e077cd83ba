package io.upgrader.upgrade;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboxPropertiesTest {

    @Test
    void acceptsAPositiveAgeAndAnIntervalOfZeroOrMore() {
        assertThat(new OutboxProperties(Duration.ofSeconds(30), Duration.ofSeconds(10), 100).relayAge())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(new OutboxProperties(Duration.ofMillis(1), Duration.ZERO, 1).relayInterval()).isZero();
    }

    @Test
    void refusesWhatCannotWork() {
        assertThatThrownBy(() -> new OutboxProperties(Duration.ZERO, Duration.ofSeconds(10), 100))
                .hasMessageContaining("upgrader.outbox.relay-age");
        assertThatThrownBy(() -> new OutboxProperties(null, Duration.ofSeconds(10), 100))
                .hasMessageContaining("upgrader.outbox.relay-age");
        assertThatThrownBy(() -> new OutboxProperties(Duration.ofSeconds(30), Duration.ofSeconds(-1), 100))
                .hasMessageContaining("upgrader.outbox.relay-interval");
        assertThatThrownBy(() -> new OutboxProperties(Duration.ofSeconds(30), Duration.ofSeconds(10), 0))
                .hasMessageContaining("upgrader.outbox.page-size");
    }
}
