package io.upgrader.kafka;

import org.springframework.boot.context.properties.ConfigurationProperties;

import org.springframework.util.unit.DataSize;

import java.time.Duration;

/** The upgrade topics and how this service uses them; defaults in application.yml, documented in the README. */
@ConfigurationProperties("upgrader.kafka")
public record UpgradeTopics(
        String commandTopic,
        String eventTopic,
        String deadLetterTopic,
        String bulkTopic,
        int partitions,
        short replicationFactor,
        Duration sendTimeout,
        Duration retryInitialInterval,
        Duration retryMaxInterval,
        DataSize maxCommandSize) {
}
