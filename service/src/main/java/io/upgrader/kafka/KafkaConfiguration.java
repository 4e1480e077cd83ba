package io.upgrader.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

import java.nio.charset.StandardCharsets;

@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    /** Header on dead-lettered records: why the command was refused, in plain words. */
    public static final String REJECTION_HEADER = "upgrader-rejection-reason";

    /** Records sent to the dead-letter topic, tagged reason = invalid (not a command) | internal-error (given up). */
    public static final String DEAD_LETTERS_METRIC = "upgrader.upgrade.dead-letters";

    @Bean
    NewTopic upgradeCommandTopic(UpgradeTopics topics) {
        return TopicBuilder.name(topics.commandTopic()).partitions(topics.partitions())
                .replicas(topics.replicationFactor())
                .config(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes(topics))).build();
    }

    @Bean
    NewTopic upgradeEventTopic(UpgradeTopics topics) {
        return TopicBuilder.name(topics.eventTopic()).partitions(topics.partitions())
                .replicas(topics.replicationFactor())
                .config(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes(topics))).build();
    }

    @Bean
    NewTopic upgradeDeadLetterTopic(UpgradeTopics topics) {
        return TopicBuilder.name(topics.deadLetterTopic()).partitions(topics.partitions())
                .replicas(topics.replicationFactor())
                .config(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes(topics))).build();
    }

    @Bean
    NewTopic upgradeBulkTopic(UpgradeTopics topics) {
        return TopicBuilder.name(topics.bulkTopic()).partitions(topics.partitions())
                .replicas(topics.replicationFactor()).build();
    }

    /** Room for the largest command plus Kafka's record overhead. */
    private static long maxMessageBytes(UpgradeTopics topics) {
        return topics.maxCommandSize().toBytes() + 64 * 1024;
    }

    /** Where records that are not commands go, with the reason in a header of their own; counted by reason. */
    @Bean
    DeadLetterPublishingRecoverer upgradeCommandDeadLetters(KafkaOperations<String, byte[]> template,
                                                            UpgradeTopics topics, MeterRegistry meters) {
        Counter invalid = deadLetterCounter(meters, "invalid");
        Counter givenUp = deadLetterCounter(meters, "internal-error");
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(template,
                (record, exception) -> new TopicPartition(topics.deadLetterTopic(), -1)) {
            @Override
            public void accept(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception exception) {
                super.accept(record, consumer, exception);
                (isInvalid(exception) ? invalid : givenUp).increment();
            }
        };
        recoverer.setHeadersFunction((record, exception) -> {
            RecordHeaders headers = new RecordHeaders();
            Throwable cause = exception.getCause() instanceof InvalidUpgradeCommandException ? exception.getCause()
                    : exception;
            headers.add(REJECTION_HEADER, String.valueOf(cause.getMessage()).getBytes(StandardCharsets.UTF_8));
            return headers;
        });
        return recoverer;
    }

    private static Counter deadLetterCounter(MeterRegistry meters, String reason) {
        return Counter.builder(DEAD_LETTERS_METRIC).tag("reason", reason)
                .description("Command records sent to the dead-letter topic").register(meters);
    }

    private static boolean isInvalid(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof InvalidUpgradeCommandException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Invalid records, commands that cannot apply and commands that failed unexpectedly
     * {@code max-unexpected-attempts} times are settled by the listener itself (see {@link CommandFailure}). What
     * still fails a batch is the infrastructure (the store or the broker unreachable, a conflict storm): it is
     * retried with backoff for as long as it takes; skipping it would lose accepted upgrades, and re-running a
     * batch is safe.
     */
    @Bean
    DefaultErrorHandler upgradeCommandErrorHandler(DeadLetterPublishingRecoverer deadLetters, UpgradeTopics topics) {
        ExponentialBackOff backOff = new ExponentialBackOff(topics.retryInitialInterval().toMillis(), 2.0);
        backOff.setMaxInterval(topics.retryMaxInterval().toMillis());
        DefaultErrorHandler handler = new DefaultErrorHandler(deadLetters, backOff);
        handler.addNotRetryableExceptions(InvalidUpgradeCommandException.class);
        handler.setRetryListeners(new UpgradeCommandListener.RetryLog());
        return handler;
    }
}
