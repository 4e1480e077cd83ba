package io.upgrader.bulk;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * The bulk upgrades, each a {@link BulkBatch} with its cursor: created by the controller, moved on by the
 * expansion, sent again by the resumer when its cursor stopped moving. Every move is conditional on where the
 * batch stood, so concurrent deliveries of one batch never both move it. {@code mongo.bulk.BulkBatchStore} is the
 * MongoDB implementation.
 */
public interface BulkBatches {

    void insert(BulkBatch batch);

    Optional<BulkBatch> find(String batchId);

    /**
     * Records that the commands up to {@code newCursor} are published, if the batch still stands where this
     * expansion found it.
     *
     * @return false when another delivery of the batch moved it on first: read it again
     */
    boolean advance(String batchId, String expectedCursor, String newCursor, int published, Instant now);

    /** Marks the batch expanded if it still stands at {@code expectedCursor}; false when another delivery did. */
    boolean markExpanded(String batchId, String expectedCursor, Instant now);

    /** How many batches are in this state. */
    long countInState(BulkBatch.State state);

    /** Up to {@code limit} EXPANDING batches whose cursor has not moved since {@code cutoff}, oldest first. */
    List<Stale> findStale(Instant cutoff, int limit);

    /**
     * Claims the resumption of a stale batch: moves it on to {@code now} if nobody (another instance, the
     * expansion) did since it was read, so that one instance sends it again per period.
     */
    boolean claimResume(Stale stale, Instant now);

    /** An EXPANDING batch whose cursor has not moved lately, as the resumer reads it. */
    record Stale(String batchId, Date movedAt) {
    }
}
