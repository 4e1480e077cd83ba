package io.upgrader.upgrade;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What happened to one command, for downstream consumers; the contract is schemas/upgrade-event.schema.json.
 * The eventId derives from the commandId, so every re-emission of the same outcome carries the same eventId.
 */
public record UpgradeEvent(
        int schemaVersion,
        String eventId,
        Type type,
        String commandId,
        String workflowId,
        String workflowName,
        Integer fromVersion,
        int toVersion,
        List<String> skippedTasks,
        String reason,
        Instant occurredAt,
        String batchId) {

    public static final int SCHEMA_VERSION = 1;

    public enum Type {
        WORKFLOW_UPGRADED, WORKFLOW_UPGRADE_NOOP, WORKFLOW_UPGRADE_REJECTED
    }

    public UpgradeEvent {
        skippedTasks = skippedTasks == null ? List.of() : List.copyOf(skippedTasks);
    }

    public static String eventIdFor(String commandId) {
        return UUID.nameUUIDFromBytes(("upgrade-event:" + commandId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The event announcing a final status. */
    public static UpgradeEvent of(UpgradeStatus status) {
        Type type = switch (status.status()) {
            case APPLIED -> Type.WORKFLOW_UPGRADED;
            case NOOP -> Type.WORKFLOW_UPGRADE_NOOP;
            case REJECTED -> Type.WORKFLOW_UPGRADE_REJECTED;
            case ACCEPTED -> throw new IllegalArgumentException("command " + status.commandId() + " is not final");
        };
        return new UpgradeEvent(SCHEMA_VERSION, eventIdFor(status.commandId()), type, status.commandId(),
                status.workflowId(), status.workflowName(), status.fromVersion(), status.toVersion(),
                status.skippedTasks(), status.reason(), status.completedAt(),
                BatchCommandIds.batchIdOf(status.commandId()).orElse(null));
    }
}
