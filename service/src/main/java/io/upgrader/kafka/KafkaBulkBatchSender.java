package io.upgrader.kafka;

import io.upgrader.bulk.BulkBatchSender;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Sends a batchId to the bulk topic (keyed by it), waiting for the broker's acknowledgement. */
@Component
public class KafkaBulkBatchSender implements BulkBatchSender {

    private final KafkaTemplate<String, byte[]> kafka;
    private final UpgradeTopics topics;

    public KafkaBulkBatchSender(KafkaTemplate<String, byte[]> kafka, UpgradeTopics topics) {
        this.kafka = kafka;
        this.topics = topics;
    }

    @Override
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

    @Override
    public java.time.Duration sendTimeout() {
        return topics.sendTimeout();
    }
}
