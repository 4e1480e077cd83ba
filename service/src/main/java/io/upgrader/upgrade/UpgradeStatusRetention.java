package io.upgrader.upgrade;

import java.time.Instant;

/**
 * The end of the upgrade status records' retention ({@link UpgradeProperties#statusRetention()} once final,
 * {@link UpgradeProperties#acceptedStatusRetention()} while ACCEPTED), as the {@link UpgradeStatusSweep} enforces
 * it. {@code mongo.upgrade.UpgradeStatusStore} is the MongoDB implementation.
 */
public interface UpgradeStatusRetention {

    /** Deletes the records whose retention is over. @return how many */
    long deleteExpired(Instant now);
}
