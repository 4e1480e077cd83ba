package io.upgrader.kafka;

import io.upgrader.upgrade.UpgradeEvent;
import io.upgrader.upgrade.UpgradeEventSink;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Emits upgrade events keyed by workflowId and waits for the broker's acknowledgement. */
@Component
public class KafkaUpgradeEventSink implements UpgradeEventSink {

    private final KafkaTemplate<String, byte[]> template;
    private final JsonMapper json;
    private final UpgradeTopics topics;

    public KafkaUpgradeEventSink(KafkaTemplate<String, byte[]> template, JsonMapper json, UpgradeTopics topics) {
        this.template = template;
        this.json = json;
        this.topics = topics;
    }

    @Override
    public void publishAll(List<UpgradeEvent> events) {
        AcknowledgedSends.sendAll(template, events.stream().map(event -> new ProducerRecord<>(topics.eventTopic(),
                        event.workflowId(), json.writeValueAsBytes(event))).toList(), topics.sendTimeout(),
                events.size() + " events", IllegalStateException::new);
    }

    @Override
    public void publish(UpgradeEvent event) {
        try {
            template.send(topics.eventTopic(), event.workflowId(), json.writeValueAsBytes(event))
                    .get(topics.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while publishing event " + event.eventId(), e);
        } catch (ExecutionException | TimeoutException e) {
            // The command is retried, and its outcome, already stored, is emitted again with the same eventId.
            throw new IllegalStateException("Event " + event.eventId() + " not acknowledged by Kafka", e);
        }
    }
}
