package io.upgrader.kafka;

import io.upgrader.observability.CommandTracing;
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

/**
 * Emits upgrade events keyed by workflowId and waits for the broker's acknowledgement. Each carries the trace of its
 * command's apply in a {@code traceparent} header.
 */
@Component
public class KafkaUpgradeEventSink implements UpgradeEventSink {

    private final KafkaTemplate<String, byte[]> template;
    private final JsonMapper json;
    private final UpgradeTopics topics;
    private final CommandTracing tracing;

    public KafkaUpgradeEventSink(KafkaTemplate<String, byte[]> template, JsonMapper json, UpgradeTopics topics,
                                 CommandTracing tracing) {
        this.template = template;
        this.json = json;
        this.topics = topics;
        this.tracing = tracing;
    }

    private ProducerRecord<String, byte[]> record(UpgradeEvent event) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.eventTopic(), event.workflowId(),
                json.writeValueAsBytes(event));
        tracing.injectFor(event.commandId(), record.headers());
        return record;
    }

    @Override
    public void publishAll(List<UpgradeEvent> events) {
        AcknowledgedSends.sendAll(template, events.stream().map(this::record).toList(), topics.sendTimeout(),
                events.size() + " events", IllegalStateException::new);
    }

    @Override
    public void publish(UpgradeEvent event) {
        try {
            template.send(record(event)).get(topics.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while publishing event " + event.eventId(), e);
        } catch (ExecutionException | TimeoutException e) {
            // The command is retried, and its outcome, already stored, is emitted again with the same eventId.
            throw new IllegalStateException("Event " + event.eventId() + " not acknowledged by Kafka", e);
        }
    }
}
