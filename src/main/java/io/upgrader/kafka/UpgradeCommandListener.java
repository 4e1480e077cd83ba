package io.upgrader.kafka;

import io.upgrader.upgrade.UpgradeApplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Consumes the command topic. The offset of a record is committed only after this method returned, that is
 * after the MongoDB write and the event were acknowledged; a crash before that redelivers the record, and
 * the applier recognises what it already did.
 */
@Component
public class UpgradeCommandListener {

    private static final Logger log = LoggerFactory.getLogger(UpgradeCommandListener.class);

    private final UpgradeCommandCodec codec;
    private final UpgradeApplier applier;

    public UpgradeCommandListener(UpgradeCommandCodec codec, UpgradeApplier applier) {
        this.codec = codec;
        this.applier = applier;
    }

    @KafkaListener(id = "upgrade-commands", topics = "${upgrader.kafka.command-topic}",
            groupId = "${upgrader.kafka.consumer-group}", concurrency = "${upgrader.kafka.consumer-concurrency}")
    public void onCommand(ConsumerRecord<String, byte[]> record) {
        applier.apply(codec.decode(record.key(), record.value()));
    }

    static void logRetry(ConsumerRecord<?, ?> record, Exception exception, int attempt) {
        Throwable cause = exception.getCause() != null ? exception.getCause() : exception;
        if (cause instanceof InvalidUpgradeCommandException) {
            log.warn("Record {}-{}@{} is not a valid command, sending it to the dead-letter topic: {}",
                    record.topic(), record.partition(), record.offset(), cause.getMessage());
        } else {
            log.warn("Command at {}-{}@{} failed (attempt {}), will retry: {}", record.topic(), record.partition(),
                    record.offset(), attempt, cause.toString());
        }
    }
}
