package io.upgrader.upgrade;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * The commandIds of a bulk upgrade: "bulk-{batchId}_{uuid of (batchId, workflowId)}". Deterministic, so that
 * re-expanding a batch after a crash yields the same commands (applied once), and they name their batch, so
 * that events and statuses carry it without another field to keep in step.
 */
public final class BatchCommandIds {

    private static final String PREFIX = "bulk-";

    private BatchCommandIds() {
    }

    public static String commandId(String batchId, String workflowId) {
        return PREFIX + batchId + "_" + UUID.nameUUIDFromBytes((batchId + "/" + workflowId)
                .getBytes(StandardCharsets.UTF_8));
    }

    public static Optional<String> batchIdOf(String commandId) {
        if (commandId == null || !commandId.startsWith(PREFIX) || commandId.indexOf('_') < 0) {
            return Optional.empty();
        }
        return Optional.of(commandId.substring(PREFIX.length(), commandId.indexOf('_')));
    }

    /** What every commandId of the batch starts with. */
    public static String prefix(String batchId) {
        return PREFIX + batchId + "_";
    }
}
