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
        String reasonForIncompletion,
        String workerId,
        int pollCount,
        long callbackAfterSeconds) {

    public Task {
        inputData = inputData == null ? Map.of() : inputData;
        outputData = outputData == null ? Map.of() : outputData;
    }

    /** A task that has just been created in the given status. */
    public static Task created(String taskId, String taskType, String taskDefName, String referenceTaskName,
                               TaskStatus status, int seq, Map<String, Object> inputData, String workflowId, long now) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, Map.of(), now,
                status == TaskStatus.SCHEDULED ? 0 : now, 0, now, workflowId, null, null, 0, 0);
    }

    public Task ended(TaskStatus endStatus, Map<String, Object> output, String reason, long now) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, endStatus, seq, inputData,
                output == null ? outputData : output, scheduledTime, startTime == 0 ? now : startTime, now, now,
                workflowInstanceId, reason, workerId, pollCount, callbackAfterSeconds);
    }

    /** Still running, with new output; SCHEDULED again from {@code scheduleAt} when a worker should re-poll it. */
    public Task progressed(TaskStatus newStatus, Map<String, Object> output, long scheduleAt, long callbackSeconds,
                           long now) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, newStatus, seq, inputData,
                output == null ? outputData : output, newStatus == TaskStatus.SCHEDULED ? scheduleAt : scheduledTime,
                startTime, endTime, now, workflowInstanceId, reasonForIncompletion, workerId, pollCount,
                callbackSeconds);
    }

    public Task withWorker(String worker) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, outputData,
                scheduledTime, startTime, endTime, updateTime, workflowInstanceId, reasonForIncompletion, worker,
                pollCount, callbackAfterSeconds);
    }

    /** The same task under the reference name a new definition version gives it. */
    public Task withReferenceTaskName(String newReferenceTaskName) {
        return new Task(taskId, taskType, taskDefName, newReferenceTaskName, status, seq, inputData, outputData,
                scheduledTime, startTime, endTime, updateTime, workflowInstanceId, reasonForIncompletion, workerId,
                pollCount, callbackAfterSeconds);
    }

    public boolean isEnded() {
        return !status.isRunning();
    }
}
