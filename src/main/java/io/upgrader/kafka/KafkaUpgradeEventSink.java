package io.upgrader.kafka;

import io.upgrader.upgrade.UpgradeEvent;
import io.upgrader.upgrade.UpgradeEventSink;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

    /** Sends all first and then waits, so the producer batches them into few requests. */
    @Override
    public void publishAll(List<UpgradeEvent> events) {
        List<CompletableFuture<?>> sent = new ArrayList<>(events.size());
        for (UpgradeEvent event : events) {
            sent.add(template.send(topics.eventTopic(), event.workflowId(), json.writeValueAsBytes(event)));
        }
        // The whole batch is in the producer's buffer: send it now rather than after linger.ms.
        template.flush();
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                    .get(topics.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while publishing " + events.size() + " events", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(events.size() + " events not all acknowledged by Kafka", e);
        }
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
