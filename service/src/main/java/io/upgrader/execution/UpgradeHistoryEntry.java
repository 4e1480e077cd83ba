package io.upgrader.execution;

import java.time.Instant;
import java.util.List;

/** One applied upgrade, kept on the execution so that a redelivered command is recognised. */
public record UpgradeHistoryEntry(
        String commandId,
        int fromVersion,
        int toVersion,
        List<String> skippedTasks,
        String requestedBy,
        Instant appliedAt) {

    public UpgradeHistoryEntry {
        skippedTasks = skippedTasks == null ? List.of() : List.copyOf(skippedTasks);
    }
}
