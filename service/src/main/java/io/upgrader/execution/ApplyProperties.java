package io.upgrader.execution;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Applying changes to stored executions (upgrade commands and task updates alike); the defaults are here,
 * documented in docs/operations.md's configuration table.
 *
 * @param maxConflictRetries recomputations of one execution on concurrent writes before giving up: an upgrade
 *                           command then goes back to the consumer's retry loop, a task update answers 409 with
 *                           {@code retryable: true}
 * @param readChunk          executions a poll's apply reads at a time, so that a poll of large executions never
 *                           holds them all in memory
 */
@Validated
@ConfigurationProperties("upgrader.apply")
public record ApplyProperties(@DefaultValue("16") @Min(1) @Max(1000) int maxConflictRetries,
                              @DefaultValue("50") @Min(1) @Max(10_000) int readChunk) {
}
