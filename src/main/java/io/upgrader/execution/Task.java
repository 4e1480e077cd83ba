package io.upgrader.execution;

import java.util.Map;

/** One task record of an execution, with Conductor's field names. */
public record Task(
        String taskId,
        String taskType,
        String taskDefName,
        String referenceTaskName,
        TaskStatus status,
        int seq,
        Map<String, Object> inputData,
        Map<String, Object> outputData,
        long scheduledTime,
        long startTime,
        long endTime,
        long updateTime,
        String workflowInstanceId,
        String reasonForIncompletion) {

    public Task {
        inputData = inputData == null ? Map.of() : inputData;
        outputData = outputData == null ? Map.of() : outputData;
    }
}
