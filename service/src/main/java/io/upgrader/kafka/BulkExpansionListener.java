package io.upgrader.kafka;

import io.upgrader.bulk.BulkExpansion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;

/**
 * Expands bulk upgrades on whichever instance holds the batch's partition, one page per delivery: the step sends
 * the batchId again for the next page, so a poll never walks a whole batch. A crash redelivers the batchId, and
 * the expansion resumes where it was recorded.
 */
@Component
public class BulkExpansionListener {

    private final BulkExpansion expansion;
    private final UpgradeTopics topics;

    public BulkExpansionListener(BulkExpansion expansion, UpgradeTopics topics) {
        this.expansion = expansion;
        this.topics = topics;
    }

    /** For the {@code @KafkaListener} expressions ({@code __listener} is this bean): the typed configuration. */
    public UpgradeTopics topics() {
        return topics;
    }

    @KafkaListener(id = "upgrade-bulk", topics = "#{__listener.topics().bulkTopic()}",
            groupId = "#{__listener.topics().consumerGroup()}")
    public void onBulkUpgrade(ConsumerRecord<String, byte[]> record) {
        if (record.value() != null) {
            expansion.expand(new String(record.value(), StandardCharsets.UTF_8));
        }
    }
}
