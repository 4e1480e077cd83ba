package io.upgrader.kafka;

import io.upgrader.observability.CommandTracing;
import io.upgrader.upgrade.Rejection;
import io.upgrader.upgrade.UpgradeApplier;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeRequests;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Consumes the command topic a poll at a time. The offsets of a batch are committed only after this method
 * returned, that is after the MongoDB writes and the events were acknowledged; a crash before that
 * redelivers the batch, and the applier recognises what it already did. A record that is not a command goes
 * to the dead-letter topic on its own and never holds up the others. A batch that fails for any reason but
 * the infrastructure ({@link CommandFailure}) is applied again one command at a time, so that one command
 * that cannot apply ends REJECTED (after {@code upgrader.kafka.max-unexpected-attempts} for an unexpected
 * failure, then also dead-lettered) while the others of the partition are applied.
 */
@Component
public class UpgradeCommandListener {

    private static final Logger log = LoggerFactory.getLogger(UpgradeCommandListener.class);

    private final UpgradeCommandCodec codec;
    private final UpgradeApplier applier;
    private final DeadLetterPublishingRecoverer deadLetters;
    private final int maxUnexpectedAttempts;
    private final Duration retryInitialInterval;
    private final Duration retryMaxInterval;
    private final CommandTracing tracing;
    private final UpgradeTopics topics;

    public UpgradeCommandListener(UpgradeCommandCodec codec, UpgradeApplier applier,
                                  DeadLetterPublishingRecoverer deadLetters, UpgradeTopics topics,
                                  CommandTracing tracing) {
        this.codec = codec;
        this.topics = topics;
        this.tracing = tracing;
        this.applier = applier;
        this.deadLetters = deadLetters;
        this.maxUnexpectedAttempts = topics.maxUnexpectedAttempts();
        this.retryInitialInterval = topics.retryInitialInterval();
        this.retryMaxInterval = topics.retryMaxInterval();
    }

    /** For the {@code @KafkaListener} expressions ({@code __listener} is this bean): the typed configuration. */
    public UpgradeTopics topics() {
        return topics;
    }

    @KafkaListener(id = "upgrade-commands", topics = "#{__listener.topics().commandTopic()}", batch = "true",
            groupId = "#{__listener.topics().consumerGroup()}",
            concurrency = "#{__listener.topics().consumerConcurrency()}")
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
        // Each command's apply is a span of the trace its record carries (the HTTP request's), and so is its event.
        try (CommandTracing.Applying traced = tracing.applying(valid, commands)) {
            apply(valid, commands, traced);
        }
    }

    private void apply(List<ConsumerRecord<String, byte[]>> valid, List<UpgradeCommand> commands,
                       CommandTracing.Applying traced) {
        try {
            applier.applyAll(commands);
            return;
        } catch (RuntimeException e) {
            if (CommandFailure.classify(e) == CommandFailure.INFRASTRUCTURE) {
                traced.failed(e);
                throw e; // the error handler retries the batch for as long as it takes
            }
            log.warn("A batch of {} commands failed ({}); applying them one at a time", commands.size(), e.toString());
        }
        // One command the batch path cannot take must not hold up the others: each alone, in order. Commands the
        // batch already applied are recognised and only their events are sent again.
        for (int i = 0; i < commands.size(); i++) {
            try (var scope = tracing.open(commands.get(i))) {
                applyAlone(valid.get(i), commands.get(i));
            } catch (RuntimeException e) {
                traced.failed(e);
                throw e;
            }
        }
    }

    /** Applies one command, or ends it as its failure's {@link CommandFailure} says; rethrows only infrastructure. */
    private void applyAlone(ConsumerRecord<String, byte[]> record, UpgradeCommand command) {
        for (int attempt = 1; ; attempt++) {
            RuntimeException failure;
            try {
                applier.apply(command);
                return;
            } catch (RuntimeException e) {
                failure = e;
            }
            switch (CommandFailure.classify(failure)) {
                case INFRASTRUCTURE -> throw failure;
                case INVALID_RECORD -> {
                    deadLetter(record, failure instanceof InvalidUpgradeCommandException invalid ? invalid
                            : new InvalidUpgradeCommandException(failure.getMessage()));
                    return;
                }
                case DOMAIN -> {
                    log.info("Command {} for workflow {} cannot apply: {}", command.commandId(), command.workflowId(),
                            failure.getMessage());
                    applier.reject(command, String.valueOf(failure.getMessage()), rejectionOf(failure));
                    return;
                }
                case UNEXPECTED -> {
                    if (attempt >= maxUnexpectedAttempts) {
                        giveUp(record, command, failure, attempt);
                        return;
                    }
                    log.warn("Command {} for workflow {} failed unexpectedly (attempt {} of {}), will retry: {}",
                            command.commandId(), command.workflowId(), attempt, maxUnexpectedAttempts,
                            failure.toString());
                    pause(attempt);
                }
            }
        }
    }

    /** The bounded path's end: REJECTED "internal error" with its event, the record to the dead-letter topic. */
    private void giveUp(ConsumerRecord<String, byte[]> record, UpgradeCommand command, RuntimeException failure,
                        int attempts) {
        log.error("Command {} for workflow {} ({}-{}@{}) failed {} times; rejecting it as an internal error and "
                        + "sending it to the dead-letter topic", command.commandId(), command.workflowId(),
                record.topic(), record.partition(), record.offset(), attempts, failure);
        try {
            applier.reject(command, CommandFailure.INTERNAL_ERROR, null);
        } catch (RuntimeException notRecorded) {
            if (CommandFailure.classify(notRecorded) == CommandFailure.INFRASTRUCTURE) {
                throw notRecorded;
            }
            log.error("Could not record command {} as rejected; only the dead letter remains", command.commandId(),
                    notRecorded);
        }
        deadLetters.accept(record, new UnappliedCommandException(CommandFailure.INTERNAL_ERROR + " after " + attempts
                + " attempts: " + failure));
    }

    private static Rejection.Reason rejectionOf(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof UpgradeRequests.UpgradeRejectedException rejected) {
                return rejected.rejection().reason();
            }
        }
        return null;
    }

    /** Exponential backoff between unexpected failures of one command, as the error handler's. */
    private void pause(int attempt) {
        long delay = Math.min(retryMaxInterval.toMillis(),
                retryInitialInterval.toMillis() * (1L << Math.min(attempt - 1, 30)));
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while retrying a command", e);
        }
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, InvalidUpgradeCommandException reason) {
        log.warn("Record {}-{}@{} is not a valid command, sending it to the dead-letter topic: {}",
                record.topic(), record.partition(), record.offset(), reason.getMessage());
        deadLetters.accept(record, reason);
    }

    /** A valid command given up on; its message is the dead letter's reason header. */
    static final class UnappliedCommandException extends RuntimeException {
        UnappliedCommandException(String message) {
            super(message);
        }
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
