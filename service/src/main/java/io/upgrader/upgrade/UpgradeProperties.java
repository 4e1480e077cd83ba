package io.upgrader.upgrade;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Waiting for outcomes and keeping command statuses; the defaults are here (only), documented in the
 * configuration table of docs/operations.md.
 *
 * @param maxWaiters              requests of this instance that may wait for an outcome ({@code waitForSeconds})
 *                                at the same time; one more is answered 429 ({@code retryable: true}) before
 *                                anything is published. Each waiter holds a request thread: keep it well below
 *                                the HTTP server's thread pool (Tomcat: 200)
 * @param waitRecheckInterval     how often a waiter reads its status again when no notification came (a command
 *                                applied by another instance of the consumer group)
 * @param statusRetention         how long a final status (APPLIED, NOOP, REJECTED) is kept after it was recorded
 * @param acceptedStatusRetention how long a status still ACCEPTED is kept after it was accepted (a command not
 *                                applied yet); at least {@code statusRetention}
 * @param retentionSweepInterval  how often each instance deletes expired statuses itself (MongoDB's TTL monitor
 *                                does it too; the embedded server has none); 0 disables the sweep
 */
@ConfigurationProperties("upgrader.upgrade")
public record UpgradeProperties(@DefaultValue("100") int maxWaiters,
                                @DefaultValue("1s") Duration waitRecheckInterval,
                                @DefaultValue("7d") Duration statusRetention,
                                @DefaultValue("30d") Duration acceptedStatusRetention,
                                @DefaultValue("1h") Duration retentionSweepInterval) {

    public UpgradeProperties {
        if (maxWaiters < 0) {
            throw new IllegalArgumentException("upgrader.upgrade.max-waiters must be 0 or positive");
        }
        if (waitRecheckInterval == null || waitRecheckInterval.isNegative() || waitRecheckInterval.isZero()) {
            throw new IllegalArgumentException("upgrader.upgrade.wait-recheck-interval must be positive");
        }
        if (statusRetention == null || statusRetention.isNegative() || statusRetention.isZero()) {
            throw new IllegalArgumentException("upgrader.upgrade.status-retention must be positive");
        }
        if (acceptedStatusRetention == null || acceptedStatusRetention.compareTo(statusRetention) < 0) {
            throw new IllegalArgumentException(
                    "upgrader.upgrade.accepted-status-retention must be at least upgrader.upgrade.status-retention");
        }
        if (retentionSweepInterval == null || retentionSweepInterval.isNegative()) {
            throw new IllegalArgumentException("upgrader.upgrade.retention-sweep-interval must be 0 or positive");
        }
    }

    /** The defaults, for code constructed outside Spring. */
    public static UpgradeProperties defaults() {
        return new UpgradeProperties(100, Duration.ofSeconds(1), Duration.ofDays(7), Duration.ofDays(30),
                Duration.ofHours(1));
    }
}
