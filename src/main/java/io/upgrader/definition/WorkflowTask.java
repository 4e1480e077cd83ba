package io.upgrader.definition;

import java.util.Map;

/** One task of a workflow definition, as Conductor's WorkflowTask. */
public record WorkflowTask(
        String name,
        String taskReferenceName,
        String type,
        String description,
        Map<String, Object> inputParameters,
        Boolean optional) {

    public WorkflowTask {
        inputParameters = inputParameters == null ? Map.of() : inputParameters;
        type = type == null || type.isBlank() ? "SIMPLE" : type;
    }
}
