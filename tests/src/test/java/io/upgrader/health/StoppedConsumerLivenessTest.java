package io.upgrader.health;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.kafka.event.ConsumerStoppedEvent;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A consumer stopped by an error makes the service not live; a normal stop (shutdown, pause) does not. */
class StoppedConsumerLivenessTest {

    private final List<Object> published = new ArrayList<>();
    private final StoppedConsumerLiveness liveness = new StoppedConsumerLiveness(published::add);

    @ParameterizedTest
    @EnumSource(value = ConsumerStoppedEvent.Reason.class, names = {"ERROR", "ABNORMAL"})
    void aConsumerStoppedByAnErrorBreaksLiveness(ConsumerStoppedEvent.Reason reason) {
        liveness.consumerStopped(new ConsumerStoppedEvent(this, this, reason));

        assertThat(published).singleElement().isInstanceOfSatisfying(AvailabilityChangeEvent.class,
                event -> assertThat(event.getState()).isEqualTo(LivenessState.BROKEN));
    }

    @Test
    void aNormalStopChangesNothing() {
        liveness.consumerStopped(new ConsumerStoppedEvent(this, this, ConsumerStoppedEvent.Reason.NORMAL));

        assertThat(published).isEmpty();
    }
}
