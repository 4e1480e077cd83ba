package io.upgrader.bulk;

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

    public BulkExpansionListener(BulkExpansion expansion) {
        this.expansion = expansion;
    }

    @KafkaListener(id = "upgrade-bulk", topics = "${upgrader.kafka.bulk-topic}",
            groupId = "${upgrader.kafka.consumer-group}")
    public void onBulkUpgrade(ConsumerRecord<String, byte[]> record) {
        if (record.value() != null) {
            expansion.expand(new String(record.value(), StandardCharsets.UTF_8));
        }
    }
}
