package io.upgrader.bulk;

import io.upgrader.kafka.UpgradeTopics;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Sends a batchId to the bulk topic (keyed by it), waiting for the broker's acknowledgement. */
@Component
public class BulkBatchSender {

    /** The batchId could not be handed to Kafka within the send timeout. */
    public static class NotSentException extends RuntimeException {
        public NotSentException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final KafkaTemplate<String, byte[]> kafka;
    private final UpgradeTopics topics;

    public BulkBatchSender(KafkaTemplate<String, byte[]> kafka, UpgradeTopics topics) {
        this.kafka = kafka;
        this.topics = topics;
    }

    public void send(String batchId) {
        try {
            kafka.send(topics.bulkTopic(), batchId, batchId.getBytes(StandardCharsets.UTF_8))
                    .get(topics.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotSentException("interrupted sending bulk upgrade " + batchId, e);
        } catch (Exception e) {
            throw new NotSentException("bulk upgrade " + batchId + " not sent: " + e, e);
        }
    }

    public java.time.Duration sendTimeout() {
        return topics.sendTimeout();
    }
}
