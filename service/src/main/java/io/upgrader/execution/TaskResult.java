package io.upgrader.execution;

import java.util.Map;

/** A worker's or caller's report on a task, as Conductor's TaskResult (the fields this runtime uses). */
public record TaskResult(
        String workflowInstanceId,
        String taskId,
        Status status,
        Map<String, Object> outputData,
        String reasonForIncompletion,
        String workerId,
        Long callbackAfterSeconds) {

    public enum Status {
        IN_PROGRESS, FAILED, FAILED_WITH_TERMINAL_ERROR, COMPLETED
    }
}
