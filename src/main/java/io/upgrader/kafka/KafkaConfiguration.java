package io.upgrader.kafka;

import org.apache.kafka.clients.admin.NewTopic;
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

    /** Where records that are not commands go, with the reason in a header of their own. */
    @Bean
    DeadLetterPublishingRecoverer upgradeCommandDeadLetters(KafkaOperations<String, byte[]> template,
                                                            UpgradeTopics topics) {
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(template,
                (record, exception) -> new TopicPartition(topics.deadLetterTopic(), -1));
        recoverer.setHeadersFunction((record, exception) -> {
            RecordHeaders headers = new RecordHeaders();
            Throwable cause = exception.getCause() instanceof InvalidUpgradeCommandException ? exception.getCause()
                    : exception;
            headers.add(REJECTION_HEADER, String.valueOf(cause.getMessage()).getBytes(StandardCharsets.UTF_8));
            return headers;
        });
        return recoverer;
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
