package io.upgrader.bulk;

import java.time.Instant;

/**
 * One bulk upgrade: its request and how far its expansion into commands has come. The expansion walks the
 * selection in workflowId order and records the last workflowId published ({@code cursor}), so a crash
 * midway resumes after it; commandIds derive from (batchId, workflowId) ({@link
 * io.upgrader.upgrade.BatchCommandIds}), so a page published twice is the same commands twice, applied once.
 * {@code applied}, {@code noop} and {@code rejected} count its commands' final outcomes (kept by {@link io.upgrader.upgrade.BatchOutcomeCounts}, repaired by {@link BatchRecounts}).
 */
public record BulkBatch(
        String batchId,
        BulkUpgradeRequest request,
        State state,
        long selected,
        String cursor,
        String requestedBy,
        Instant createdAt,
        Instant expandedAt,
        long applied,
        long noop,
        long rejected) {

    public enum State { EXPANDING, EXPANDED }

    /** A batch as it is created or found in the middle of its expansion, before any outcome is counted. */
    public BulkBatch(String batchId, BulkUpgradeRequest request, State state, long selected, String cursor,
                     String requestedBy, Instant createdAt, Instant expandedAt) {
        this(batchId, request, state, selected, cursor, requestedBy, createdAt, expandedAt, 0, 0, 0);
    }

}
