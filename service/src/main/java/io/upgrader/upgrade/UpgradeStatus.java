package io.upgrader.upgrade;

import java.time.Instant;
import java.util.List;

/** Where one upgrade command stands; served by GET /api/workflow/upgrades/{commandId}. */
public record UpgradeStatus(
        String commandId,
        String workflowId,
        String workflowName,
        State status,
        String reason,
        Integer fromVersion,
        int toVersion,
        List<String> skippedTasks,
        Instant acceptedAt,
        Instant completedAt,
        Rejection.Reason rejection) {

    public enum State {
        ACCEPTED, APPLIED, NOOP, REJECTED;

        public boolean isFinal() {
            return this != ACCEPTED;
        }
    }

    public UpgradeStatus {
        skippedTasks = skippedTasks == null ? List.of() : List.copyOf(skippedTasks);
    }
}
