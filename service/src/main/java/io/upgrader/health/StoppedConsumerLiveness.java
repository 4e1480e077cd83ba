package io.upgrader.health;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.event.ConsumerStoppedEvent;
import org.springframework.stereotype.Component;

import java.util.Set;

/**
 * A listener container stops for good on an {@link Error} (an OutOfMemoryError while applying, say): the process
 * would stay up, answer requests and accept commands that nothing applies. Marking the service not live lets the
 * orchestrator restart it; the commands wait on the topic, uncommitted, for the restarted consumer.
 */
@Component
public class StoppedConsumerLiveness {

    private static final Logger log = LoggerFactory.getLogger(StoppedConsumerLiveness.class);
    private static final Set<ConsumerStoppedEvent.Reason> BROKEN = Set.of(ConsumerStoppedEvent.Reason.ERROR,
            ConsumerStoppedEvent.Reason.ABNORMAL);

    private final ApplicationEventPublisher publisher;

    public StoppedConsumerLiveness(ApplicationEventPublisher publisher) {
        this.publisher = publisher;
    }

    @EventListener
    public void consumerStopped(ConsumerStoppedEvent event) {
        if (BROKEN.contains(event.getReason())) {
            log.error("A Kafka consumer stopped ({}): the service is no longer live and must be restarted",
                    event.getReason());
            AvailabilityChangeEvent.publish(publisher, this, LivenessState.BROKEN);
        }
    }
}
