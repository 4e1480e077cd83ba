package io.upgrader.bulk;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Bulk upgrades; the defaults are here, documented in docs/operations.md's configuration table.
 *
 * @param pageSize       executions one expansion step publishes (one step per delivery of the batchId)
 * @param resumeAfter    how long a batch may stay EXPANDING with its cursor unmoved before an instance sends its
 *                       batchId to the bulk topic again (a send that failed, a continuation lost in a crash)
 * @param resumeInterval how often each instance looks for such batches; 0 disables the resumer
 * @param dryRunLimit    executions a bulk dry run evaluates at most (the first in workflowId order); it says
 *                       {@code truncated} when the selection holds more
 */
@ConfigurationProperties("upgrader.bulk")
public record BulkProperties(@DefaultValue("500") int pageSize, @DefaultValue("60s") Duration resumeAfter,
                             @DefaultValue("10s") Duration resumeInterval, @DefaultValue("1000") int dryRunLimit) {

    public BulkProperties {
        if (pageSize < 1 || pageSize > 10_000) {
            throw new IllegalArgumentException("upgrader.bulk.page-size must be between 1 and 10000");
        }
        if (resumeAfter == null || resumeAfter.isNegative() || resumeAfter.isZero()) {
            throw new IllegalArgumentException("upgrader.bulk.resume-after must be positive");
        }
        if (dryRunLimit < 1 || dryRunLimit > 100_000) {
            throw new IllegalArgumentException("upgrader.bulk.dry-run-limit must be between 1 and 100000");
        }
        if (resumeInterval == null || resumeInterval.isNegative()) {
            throw new IllegalArgumentException("upgrader.bulk.resume-interval must be 0 or positive");
        }
    }
}
