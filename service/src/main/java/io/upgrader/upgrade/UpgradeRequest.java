package io.upgrader.upgrade;

import java.util.Map;

/** The body of POST /api/workflow/{workflowId}/upgrade (schemas/upgrade-request.schema.json). */
public record UpgradeRequest(
        String name,
        int version,
        Map<String, Map<String, Object>> taskOutput,
        Map<String, Object> workflowInput,
        Map<String, String> taskMapping) {

    public UpgradeRequest {
        taskOutput = taskOutput == null ? Map.of() : taskOutput;
        workflowInput = workflowInput == null ? Map.of() : workflowInput;
        taskMapping = taskMapping == null ? Map.of() : taskMapping;
    }
}
