package io.upgrader.observability;

import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * The service's own metrics; the default is here, documented in docs/operations.md's configuration table.
 *
 * @param refreshInterval how often the {@code upgrader.bulk.batches} gauge is counted again (a store query, so not
 *                        at every scrape), and how often new Kafka client metrics are bound (a newly assigned
 *                        partition's lag; Micrometer's own default is 60 s)
 */
@Validated
@ConfigurationProperties("upgrader.metrics")
public record MetricsProperties(@DefaultValue("10s") @NotNull @DurationMin(millis = 1) Duration refreshInterval) {
}
