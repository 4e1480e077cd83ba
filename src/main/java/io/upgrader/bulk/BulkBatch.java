package io.upgrader.bulk;

import java.time.Instant;

/**
 * One bulk upgrade: its request and how far its expansion into commands has come. The expansion walks the
 * selection in workflowId order and records the last workflowId published ({@code cursor}), so a crash
 * midway resumes after it; commandIds derive from (batchId, workflowId) ({@link
 * io.upgrader.upgrade.BatchCommandIds}), so a page published twice is the same commands twice, applied once.
 */
public record BulkBatch(
        String batchId,
        BulkUpgradeRequest request,
        State state,
        long selected,
        String cursor,
        String requestedBy,
        Instant createdAt,
        Instant expandedAt) {

    public enum State { EXPANDING, EXPANDED }

}
