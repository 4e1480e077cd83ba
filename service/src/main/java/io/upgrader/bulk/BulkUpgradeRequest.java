package io.upgrader.bulk;

import io.upgrader.execution.WorkflowStatus;

import java.util.List;
import java.util.Map;

/**
 * POST /api/workflow/upgrade/bulk: which executions of a definition to move to {@code toVersion}, and the same
 * optional inputs as a single upgrade. Every selector is optional but {@code name}.
 */
public record BulkUpgradeRequest(
        String name,
        List<Integer> fromVersions,
        Integer toVersion,
        List<String> workflowIds,
        List<WorkflowStatus> statuses,
        Map<String, Map<String, Object>> taskOutput,
        Map<String, Object> workflowInput,
        Map<String, String> taskMapping,
        Boolean dryRun) {

    public BulkUpgradeRequest {
        fromVersions = fromVersions == null ? List.of() : List.copyOf(fromVersions);
        workflowIds = workflowIds == null ? List.of() : List.copyOf(workflowIds);
        statuses = statuses == null || statuses.isEmpty() ? List.of(WorkflowStatus.RUNNING, WorkflowStatus.PAUSED)
                : List.copyOf(statuses);
        taskOutput = taskOutput == null ? Map.of() : taskOutput;
        workflowInput = workflowInput == null ? Map.of() : workflowInput;
        taskMapping = taskMapping == null ? Map.of() : taskMapping;
        dryRun = Boolean.TRUE.equals(dryRun);
    }
}
