package io.upgrader.kafka;

import io.upgrader.upgrade.UpgradeApplier;
import io.upgrader.upgrade.UpgradeCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.BSONException;
import org.bson.codecs.configuration.CodecConfigurationException;
import tools.jackson.core.JacksonException;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * Consumes the command topic a poll at a time. The offsets of a batch are committed only after this method
 * returned, that is after the MongoDB writes and the events were acknowledged; a crash before that
 * redelivers the batch, and the applier recognises what it already did. A record that is not a command goes
 * to the dead-letter topic on its own and never holds up the others.
 */
@Component
public class UpgradeCommandListener {

    private static final Logger log = LoggerFactory.getLogger(UpgradeCommandListener.class);

    private final UpgradeCommandCodec codec;
    private final UpgradeApplier applier;
    private final DeadLetterPublishingRecoverer deadLetters;

    public UpgradeCommandListener(UpgradeCommandCodec codec, UpgradeApplier applier,
                                  DeadLetterPublishingRecoverer deadLetters) {
        this.codec = codec;
        this.applier = applier;
        this.deadLetters = deadLetters;
    }

    @KafkaListener(id = "upgrade-commands", topics = "${upgrader.kafka.command-topic}", batch = "true",
            groupId = "${upgrader.kafka.consumer-group}", concurrency = "${upgrader.kafka.consumer-concurrency}")
    public void onCommands(List<ConsumerRecord<String, byte[]>> records) {
        List<UpgradeCommand> commands = new ArrayList<>(records.size());
        List<ConsumerRecord<String, byte[]>> valid = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                commands.add(codec.decode(record.key(), record.value()));
                valid.add(record);
            } catch (InvalidUpgradeCommandException e) {
                deadLetter(record, e);
            }
        }
        if (commands.isEmpty()) {
            return;
        }
        try {
            applier.applyAll(commands);
        } catch (RuntimeException e) {
            if (!isPoison(e)) {
                throw e;
            }
            // Some command the store cannot take, whatever the retries: find it, one at a time, and set it aside
            // so that the partition keeps flowing. Transient failures still go back to the retry loop.
            for (int i = 0; i < commands.size(); i++) {
                try {
                    applier.apply(commands.get(i));
                } catch (RuntimeException single) {
                    if (!isPoison(single)) {
                        throw single;
                    }
                    deadLetter(valid.get(i), new InvalidUpgradeCommandException("cannot be applied: " + single));
                }
            }
        }
    }

    /** Failures that depend on the command's content, not on the moment: retrying cannot help them. */
    static boolean isPoison(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof BSONException || cause instanceof CodecConfigurationException
                    || cause instanceof JacksonException || cause instanceof InvalidUpgradeCommandException
                    || cause instanceof IllegalArgumentException) {
                return true;
            }
        }
        return false;
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, InvalidUpgradeCommandException reason) {
        log.warn("Record {}-{}@{} is not a valid command, sending it to the dead-letter topic: {}",
                record.topic(), record.partition(), record.offset(), reason.getMessage());
        deadLetters.accept(record, reason);
    }

    /** Says why a batch is being retried, so that an operator sees an outage in the log. */
    static final class RetryLog implements RetryListener {
        @Override
        public void failedDelivery(ConsumerRecord<?, ?> record, Exception exception, int attempt) {
            log.warn("Command at {}-{}@{} failed (attempt {}), will retry: {}", record.topic(), record.partition(),
                    record.offset(), attempt, rootMessage(exception));
        }

        @Override
        public void failedDelivery(ConsumerRecords<?, ?> records, Exception exception, int attempt) {
            log.warn("{} commands failed (attempt {}), will retry: {}", records.count(), attempt,
                    rootMessage(exception));
        }

        private static String rootMessage(Exception exception) {
            Throwable cause = exception;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            return cause.toString();
        }
    }
}
