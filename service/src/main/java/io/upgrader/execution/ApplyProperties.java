package io.upgrader.execution;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Applying changes to stored executions (upgrade commands and task updates alike); the defaults are here,
 * documented in docs/operations.md's configuration table.
 *
 * @param maxConflictRetries recomputations of one execution on concurrent writes before giving up: an upgrade
 *                           command then goes back to the consumer's retry loop, a task update answers 409 with
 *                           {@code retryable: true}
 * @param readChunk          executions a poll's apply reads at a time, at most
 * @param readBudget         stored bytes of executions a poll's apply reads at a time (at least one execution):
 *                           with large executions, fewer than {@code readChunk}, so that a consumer's memory
 *                           follows this budget and not the size of the executions
 */
@Validated
@ConfigurationProperties("upgrader.apply")
public record ApplyProperties(@DefaultValue("16") @Min(1) @Max(1000) int maxConflictRetries,
                              @DefaultValue("50") @Min(1) @Max(10_000) int readChunk,
                              @DefaultValue("4MB") @NotNull DataSize readBudget) {

    public ApplyProperties {
        // No Bean Validation constraint applies to a DataSize.
        if (readBudget != null && readBudget.toBytes() <= 0) {
            throw new IllegalArgumentException("upgrader.apply.read-budget must be positive");
        }
    }
}
