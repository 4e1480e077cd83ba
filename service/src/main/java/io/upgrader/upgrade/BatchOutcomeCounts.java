package io.upgrader.upgrade;

import java.util.List;

/**
 * Keeps each bulk upgrade's counts of applied, noop and rejected commands, so that its progress reads three
 * counters rather than counting statuses. Told exactly once of each final outcome first recorded for a command of
 * a batch (a redelivery finds the record and is not told again); implemented by the bulk feature's store.
 */
public interface BatchOutcomeCounts {

    /** @param outcomes final outcomes of batch commands, each recorded just now for the first time */
    void firstRecorded(List<UpgradeStatus> outcomes);
}
