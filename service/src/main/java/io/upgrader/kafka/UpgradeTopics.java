package io.upgrader.kafka;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * The upgrade topics and how this service uses them; the defaults are here, documented in docs/operations.md's
 * configuration table.
 *
 * @param commandTopic          upgrade commands, keyed by workflowId
 * @param eventTopic            upgrade events, one per final outcome
 * @param deadLetterTopic       records that are not commands, and commands given up after
 *                              {@code maxUnexpectedAttempts}
 * @param bulkTopic             bulk upgrades to expand, keyed and valued by batchId
 * @param partitions            partitions of the topics when this service creates them
 * @param replicationFactor     their replication factor (1 suits the embedded broker only; 3 in production)
 * @param consumerGroup         consumer group of every instance (commands and bulk expansions)
 * @param consumerConcurrency   command consumer threads per instance
 * @param sendTimeout           how long a publish waits for the broker's acknowledgement (an HTTP upgrade then
 *                              answers 503)
 * @param retryInitialInterval  first backoff when applying a command fails for a transient reason
 * @param retryMaxInterval      longest backoff between those retries
 * @param maxUnexpectedAttempts attempts at a command that fails unexpectedly (a bug, a stored document that cannot
 *                              be read) before it is REJECTED with "internal error" and dead-lettered; MongoDB or
 *                              Kafka being unreachable is retried for ever instead
 * @param maxCommandSize        larger command records go to the dead-letter topic; the topics this service creates
 *                              allow records this large (spring.kafka.producer's max.request.size must exceed it)
 */
@Validated
@ConfigurationProperties("upgrader.kafka")
public record UpgradeTopics(
        @DefaultValue("workflow.upgrade.commands") @NotBlank String commandTopic,
        @DefaultValue("workflow.upgrade.events") @NotBlank String eventTopic,
        @DefaultValue("workflow.upgrade.commands.dlt") @NotBlank String deadLetterTopic,
        @DefaultValue("workflow.upgrade.bulk") @NotBlank String bulkTopic,
        @DefaultValue("6") @Min(1) int partitions,
        @DefaultValue("1") @Min(1) short replicationFactor,
        @DefaultValue("workflow-upgrader") @NotBlank String consumerGroup,
        @DefaultValue("2") @Min(1) int consumerConcurrency,
        @DefaultValue("10s") @NotNull @DurationMin(millis = 1) Duration sendTimeout,
        @DefaultValue("200ms") @NotNull @DurationMin(millis = 1) Duration retryInitialInterval,
        @DefaultValue("10s") @NotNull @DurationMin(millis = 1) Duration retryMaxInterval,
        @DefaultValue("5") @Min(1) int maxUnexpectedAttempts,
        @DefaultValue("2MB") @NotNull DataSize maxCommandSize) {

    public UpgradeTopics {
        // No Bean Validation constraint applies to a DataSize.
        if (maxCommandSize != null && (maxCommandSize.isNegative() || maxCommandSize.toBytes() == 0)) {
            throw new IllegalArgumentException("upgrader.kafka.max-command-size must be positive");
        }
    }
}
