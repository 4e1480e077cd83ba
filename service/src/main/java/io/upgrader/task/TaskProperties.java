package io.upgrader.task;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * The workers' task API (batch polls); the defaults are here, documented in docs/operations.md's configuration table.
 *
 * @param maxBatchSize        largest {@code count} a batch poll may ask for
 * @param maxPollWait         longest a batch poll waits for a first task, whatever its {@code timeout} asks: it
 *                            holds a request thread meanwhile
 * @param pollRecheckInterval how often a waiting batch poll reads the store again; tasks are scheduled by any
 *                            instance, so no local notification could see them all
 */
@Validated
@ConfigurationProperties("upgrader.tasks")
public record TaskProperties(@DefaultValue("100") @Min(1) @Max(10_000) int maxBatchSize,
                             @DefaultValue("5s") @NotNull @DurationMin(nanos = 0) Duration maxPollWait,
                             @DefaultValue("50ms") @NotNull @DurationMin(millis = 1) Duration pollRecheckInterval) {
}
