package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A workflow execution with Conductor's field names, plus what upgrades need: the history of applied
 * upgrades and a revision that every write checks and increments (optimistic concurrency).
 */
public record Workflow(
        String workflowId,
        String workflowName,
        int workflowVersion,
        WorkflowStatus status,
        Map<String, Object> input,
        Map<String, Object> output,
        Map<String, Object> variables,
        String correlationId,
        long createTime,
        long updateTime,
        long endTime,
        WorkflowDef workflowDefinition,
        List<Task> tasks,
        List<UpgradeHistoryEntry> upgradeHistory,
        long revision,
        String reasonForIncompletion,
        String parentWorkflowId,
        String parentWorkflowTaskId) {

    public Workflow(String workflowId, String workflowName, int workflowVersion, WorkflowStatus status,
                    Map<String, Object> input, Map<String, Object> output, Map<String, Object> variables,
                    String correlationId, long createTime, long updateTime, long endTime,
                    WorkflowDef workflowDefinition, List<Task> tasks, List<UpgradeHistoryEntry> upgradeHistory,
                    long revision, String reasonForIncompletion) {
        this(workflowId, workflowName, workflowVersion, status, input, output, variables, correlationId, createTime,
                updateTime, endTime, workflowDefinition, tasks, upgradeHistory, revision, reasonForIncompletion, null,
                null);
    }

    public Workflow {
        input = input == null ? Map.of() : input;
        output = output == null ? Map.of() : output;
        variables = variables == null ? Map.of() : variables;
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        upgradeHistory = upgradeHistory == null ? List.of() : List.copyOf(upgradeHistory);
    }

    public Optional<UpgradeHistoryEntry> upgradeApplied(String commandId) {
        return upgradeHistory.stream().filter(entry -> entry.commandId().equals(commandId)).findFirst();
    }

    /** The SCHEDULED or IN_PROGRESS tasks the execution waits on: containers (FORK, JOIN, DO_WHILE) aside. */
    public List<Task> runningTasks() {
        return tasks.stream().filter(task -> task.status().isRunning() && !task.isContainer()).toList();
    }

    /** The latest record under this reference name (with its loop suffix, if any). */
    public Optional<Task> taskByReference(String referenceTaskName) {
        Task found = null;
        for (Task task : tasks) {
            if (task.referenceTaskName().equals(referenceTaskName)) {
                found = task;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The same execution started as a child of a SUB_WORKFLOW task. */
    public Workflow asChildOf(String parentId, String parentTaskId) {
        return new Workflow(workflowId, workflowName, workflowVersion, status, input, output, variables,
                correlationId, createTime, updateTime, endTime, workflowDefinition, tasks, upgradeHistory, revision,
                reasonForIncompletion, parentId, parentTaskId);
    }

    public boolean hasTaskRecord(String referenceTaskName) {
        return tasks.stream().anyMatch(task -> task.referenceTaskName().equals(referenceTaskName));
    }

    public Optional<Task> task(String taskId) {
        return tasks.stream().filter(task -> task.taskId().equals(taskId)).findFirst();
    }

    public int lastSeq() {
        return tasks.stream().mapToInt(Task::seq).max().orElse(0);
    }

    /** The same execution moved to another definition; everything not named here is kept. */
    public Workflow upgradedTo(WorkflowDef definition, Map<String, Object> mergedInput, List<Task> allTasks,
                               UpgradeHistoryEntry entry, long now) {
        List<UpgradeHistoryEntry> history = new ArrayList<>(upgradeHistory);
        history.add(entry);
        return new Workflow(workflowId, workflowName, definition.version(), status, mergedInput, output, variables,
                correlationId, createTime, now, endTime, definition, allTasks, history, revision,
                reasonForIncompletion, parentWorkflowId, parentWorkflowTaskId);
    }

    /** The same execution with other tasks and variables, as the decider leaves it after a step. */
    public Workflow withProgress(List<Task> newTasks, Map<String, Object> newVariables, long now) {
        return new Workflow(workflowId, workflowName, workflowVersion, status, input, output, newVariables,
                correlationId, createTime, now, endTime, workflowDefinition, newTasks, upgradeHistory, revision,
                reasonForIncompletion, parentWorkflowId, parentWorkflowTaskId);
    }

    public Workflow withStatus(WorkflowStatus newStatus, long now) {
        return new Workflow(workflowId, workflowName, workflowVersion, newStatus, input, output, variables,
                correlationId, createTime, now, endTime, workflowDefinition, tasks, upgradeHistory, revision,
                reasonForIncompletion, parentWorkflowId, parentWorkflowTaskId);
    }

    /** Ended in a terminal status, with its output and, unless it completed, why. */
    public Workflow ended(WorkflowStatus endStatus, Map<String, Object> endOutput, String reason, long now) {
        return new Workflow(workflowId, workflowName, workflowVersion, endStatus, input,
                endOutput == null ? output : endOutput, variables, correlationId, createTime, now, now,
                workflowDefinition, tasks, upgradeHistory, revision, reason, parentWorkflowId, parentWorkflowTaskId);
    }

    public Workflow withoutTasks() {
        return new Workflow(workflowId, workflowName, workflowVersion, status, input, output, variables,
                correlationId, createTime, updateTime, endTime, workflowDefinition, List.of(), upgradeHistory,
                revision, reasonForIncompletion, parentWorkflowId, parentWorkflowTaskId);
    }

    /** The same execution on this definition (as resolved from its stored snapshot reference). */
    public Workflow withDefinition(WorkflowDef definition) {
        return new Workflow(workflowId, workflowName, workflowVersion, status, input, output, variables,
                correlationId, createTime, updateTime, endTime, definition, tasks, upgradeHistory, revision,
                reasonForIncompletion, parentWorkflowId, parentWorkflowTaskId);
    }

    public Workflow withRevision(long newRevision) {
        return new Workflow(workflowId, workflowName, workflowVersion, status, input, output, variables,
                correlationId, createTime, updateTime, endTime, workflowDefinition, tasks, upgradeHistory, newRevision,
                reasonForIncompletion, parentWorkflowId, parentWorkflowTaskId);
    }
}
