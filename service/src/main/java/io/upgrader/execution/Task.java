package io.upgrader.execution;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.Map;
import java.util.Set;

/**
 * One task record of an execution, with Conductor's field names. Inside a DO_WHILE's body the record of
 * iteration N carries the reference name {@code ref__N} and {@code iteration} N, as in Conductor.
 */
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
        long callbackAfterSeconds,
        int iteration,
        String subWorkflowId,
        long waitTimeout) {

    /** The record types that only frame other tasks: never what an execution is waiting on. */
    private static final Set<String> CONTAINER_TYPES = Set.of("FORK", "JOIN", "DO_WHILE");

    public Task {
        inputData = inputData == null ? Map.of() : inputData;
        outputData = outputData == null ? Map.of() : outputData;
    }

    public Task(String taskId, String taskType, String taskDefName, String referenceTaskName, TaskStatus status,
                int seq, Map<String, Object> inputData, Map<String, Object> outputData, long scheduledTime,
                long startTime, long endTime, long updateTime, String workflowInstanceId, String reasonForIncompletion,
                String workerId, int pollCount, long callbackAfterSeconds) {
        this(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, outputData, scheduledTime,
                startTime, endTime, updateTime, workflowInstanceId, reasonForIncompletion, workerId, pollCount,
                callbackAfterSeconds, 0, null, 0);
    }

    /** The reference name with a loop iteration's {@code __N} suffix removed. */
    public static String baseReference(String referenceTaskName, int iteration) {
        String suffix = "__" + iteration;
        return iteration > 0 && referenceTaskName.endsWith(suffix)
                ? referenceTaskName.substring(0, referenceTaskName.length() - suffix.length()) : referenceTaskName;
    }

    /** The reference name a task of the definition gets in a loop's iteration (none outside loops). */
    public static String referenceIn(String taskReferenceName, int iteration) {
        return iteration > 0 ? taskReferenceName + "__" + iteration : taskReferenceName;
    }

    @JsonIgnore
    public String baseReferenceTaskName() {
        return baseReference(referenceTaskName, iteration);
    }

    @JsonIgnore
    public boolean isContainer() {
        return CONTAINER_TYPES.contains(taskType);
    }

    /** A task that has just been created in the given status. */
    public static Task created(String taskId, String taskType, String taskDefName, String referenceTaskName,
                               TaskStatus status, int seq, Map<String, Object> inputData, String workflowId, long now) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, Map.of(), now,
                status == TaskStatus.SCHEDULED ? 0 : now, 0, now, workflowId, null, null, 0, 0, 0, null, 0);
    }

    public Task ended(TaskStatus endStatus, Map<String, Object> output, String reason, long now) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, endStatus, seq, inputData,
                output == null ? outputData : output, scheduledTime, startTime == 0 ? now : startTime, now, now,
                workflowInstanceId, reason, workerId, pollCount, callbackAfterSeconds, iteration, subWorkflowId,
                waitTimeout);
    }

    /** Still running, with new output; SCHEDULED again from {@code scheduleAt} when a worker should re-poll it. */
    public Task progressed(TaskStatus newStatus, Map<String, Object> output, long scheduleAt, long callbackSeconds,
                           long now) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, newStatus, seq, inputData,
                output == null ? outputData : output, newStatus == TaskStatus.SCHEDULED ? scheduleAt : scheduledTime,
                startTime, endTime, now, workflowInstanceId, reasonForIncompletion, workerId, pollCount,
                callbackSeconds, iteration, subWorkflowId, waitTimeout);
    }

    public Task withWorker(String worker) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, outputData,
                scheduledTime, startTime, endTime, updateTime, workflowInstanceId, reasonForIncompletion, worker,
                pollCount, callbackAfterSeconds, iteration, subWorkflowId, waitTimeout);
    }

    /** The same task under the reference name a new definition version gives it. */
    public Task withReferenceTaskName(String newReferenceTaskName) {
        return new Task(taskId, taskType, taskDefName, newReferenceTaskName, status, seq, inputData, outputData,
                scheduledTime, startTime, endTime, updateTime, workflowInstanceId, reasonForIncompletion, workerId,
                pollCount, callbackAfterSeconds, iteration, subWorkflowId, waitTimeout);
    }

    public boolean isEnded() {
        return !status.isRunning();
    }

    /** The same record in a loop's iteration. */
    public Task inIteration(int newIteration) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, outputData,
                scheduledTime, startTime, endTime, updateTime, workflowInstanceId, reasonForIncompletion, workerId,
                pollCount, callbackAfterSeconds, newIteration, subWorkflowId, waitTimeout);
    }

    /** A SUB_WORKFLOW task whose child execution has been started. */
    public Task withSubWorkflow(String childWorkflowId, long now) {
        Map<String, Object> output = new java.util.LinkedHashMap<>(outputData);
        output.put("subWorkflowId", childWorkflowId);
        return new Task(taskId, taskType, taskDefName, referenceTaskName, TaskStatus.IN_PROGRESS, seq, inputData,
                output, scheduledTime, startTime == 0 ? now : startTime, endTime, now, workflowInstanceId,
                reasonForIncompletion, workerId, pollCount, callbackAfterSeconds, iteration, childWorkflowId,
                waitTimeout);
    }

    /** A WAIT task that the server completes at this time (epoch millis). */
    public Task waitingUntil(long until) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, outputData,
                scheduledTime, startTime, endTime, updateTime, workflowInstanceId, reasonForIncompletion, workerId,
                pollCount, callbackAfterSeconds, iteration, subWorkflowId, until);
    }

    /** A container's record with new output while it still runs (a loop's next iteration). */
    public Task withOutput(Map<String, Object> output, int newIteration, long now) {
        return new Task(taskId, taskType, taskDefName, referenceTaskName, status, seq, inputData, output,
                scheduledTime, startTime, endTime, now, workflowInstanceId, reasonForIncompletion, workerId,
                pollCount, callbackAfterSeconds, newIteration, subWorkflowId, waitTimeout);
    }
}
