package io.upgrader.bulk;

import java.time.Instant;

/**
 * The repair of a bulk upgrade's outcome counters: counting follows the status write, so a crash between the two
 * leaves a batch short of a few outcomes, which a recount from its statuses makes up for. Run by the
 * {@link BulkResumer}; {@code mongo.bulk.BulkCounts} is the MongoDB implementation.
 */
public interface BatchRecounts {

    /**
     * One reconciliation pass over at most {@code limit} EXPANDED batches, not yet known to add up, whose counters
     * last moved before {@code cutoff}.
     *
     * @return the batches counted again from their statuses
     */
    int reconcile(Instant cutoff, int limit);
}
