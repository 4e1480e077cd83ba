package io.upgrader.upgrade;

import io.upgrader.background.FixedDelayJob;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.time.Clock;

/**
 * Retention: every {@code upgrader.upgrade.retention-sweep-interval} (0 disables it), deletes the command
 * statuses whose {@code expiresAt} is past, with the query the TTL index serves. On real MongoDB the TTL monitor
 * does the same on its own (within a minute of expiry); the embedded MongoDB-wire server has no TTL monitor, so
 * this sweep is what makes both behave alike.
 */
@Component
public class UpgradeStatusSweep {

    private static final Logger log = LoggerFactory.getLogger(UpgradeStatusSweep.class);

    private final UpgradeStatusRetention store;
    private final Clock clock;
    private final UpgradeProperties properties;
    private final FixedDelayJob job;

    public UpgradeStatusSweep(UpgradeStatusRetention store, Clock clock, UpgradeProperties properties) {
        this.store = store;
        this.clock = clock;
        this.properties = properties;
        this.job = new FixedDelayJob("upgrade-status-sweep", properties.retentionSweepInterval(), this::sweep);
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        job.start();
    }

    /** One pass; public for tests and for an operator's code that wants it now. @return statuses deleted */
    public long sweep() {
        try {
            long deleted = store.deleteExpired(clock.instant());
            if (deleted > 0) {
                log.info("Deleted {} expired upgrade command statuses", deleted);
            }
            return deleted;
        } catch (RuntimeException e) {
            // Never let it escape: it would cancel the schedule.
            log.error("Upgrade status sweep failed", e);
            return 0;
        }
    }

    @PreDestroy
    void stop() {
        job.stop();
    }
}
