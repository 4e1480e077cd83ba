package io.upgrader.upgrade;

import java.time.Instant;
import java.util.Map;

/**
 * The request to move one execution to another definition version, as it travels on the command topic.
 * Its shape is the public contract in schemas/upgrade-command.schema.json.
 */
public record UpgradeCommand(
        int schemaVersion,
        String commandId,
        String workflowId,
        String name,
        int version,
        Map<String, Map<String, Object>> taskOutput,
        Map<String, Object> workflowInput,
        Instant requestedAt,
        String requestedBy,
        Map<String, String> taskMapping) {

    public static final int SCHEMA_VERSION = 1;

    public UpgradeCommand {
        taskOutput = taskOutput == null ? Map.of() : taskOutput;
        workflowInput = workflowInput == null ? Map.of() : workflowInput;
        taskMapping = taskMapping == null ? Map.of() : taskMapping;
    }
}
