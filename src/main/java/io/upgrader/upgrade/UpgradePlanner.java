package io.upgrader.upgrade;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import io.upgrader.upgrade.Rejection.FieldError;
import io.upgrader.upgrade.Rejection.Reason;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Decides what an upgrade does to an execution. A pure function: the same execution, target definition,
 * command and clock give the same outcome (even the ids of SKIPPED task records derive from the commandId),
 * so it can be checked on the HTTP path and re-run on every Kafka redelivery.
 */
public final class UpgradePlanner {

    private UpgradePlanner() {
    }

    /**
     * @param current the execution as stored, or null when there is none
     * @param target  the definition (command.name, command.version), or null when it is not registered
     */
    public static UpgradeOutcome plan(Workflow current, WorkflowDef target, UpgradeCommand command, Instant now) {
        if (current == null) {
            return rejected(Reason.UNKNOWN_WORKFLOW, "workflowId",
                    "Workflow " + command.workflowId() + " not found");
        }
        if (!current.workflowName().equals(command.name())) {
            return rejected(Reason.NAME_MISMATCH, "name", "name '" + command.name() + "' does not match workflow "
                    + current.workflowId() + ", an execution of '" + current.workflowName() + "'");
        }
        if (target == null) {
            return rejected(Reason.UNKNOWN_VERSION, "version", "Workflow definition '" + command.name()
                    + "' has no version " + command.version());
        }
        // Checked before the status, so that a client retrying a finished upgrade still gets a success.
        if (current.workflowVersion() == command.version()) {
            return new UpgradeOutcome.Unchanged(current);
        }
        if (current.status() != WorkflowStatus.RUNNING && current.status() != WorkflowStatus.PAUSED) {
            return rejected(Reason.NOT_UPGRADABLE_STATUS, "workflowId", "Workflow " + current.workflowId() + " is "
                    + current.status() + "; only RUNNING or PAUSED executions can be upgraded");
        }
        List<Task> running = current.runningTasks();
        if (running.size() != 1) {
            String found = running.isEmpty() ? "none" : String.join(", ",
                    running.stream().map(Task::referenceTaskName).toList());
            return rejected(Reason.NO_RUNNING_TASK, "workflowId", "Workflow " + current.workflowId()
                    + " must have exactly one SCHEDULED or IN_PROGRESS task to continue from; found " + found);
        }
        String runningRef = running.get(0).referenceTaskName();
        int runningIndex = target.indexOf(runningRef);
        if (runningIndex < 0) {
            return rejected(Reason.TASK_NOT_IN_TARGET, "version",
                    "task " + runningRef + " is not in version " + command.version());
        }

        List<WorkflowTask> toSkip = target.tasks().subList(0, runningIndex).stream()
                .filter(task -> !current.hasTaskRecord(task.taskReferenceName()))
                .toList();
        List<String> skippedRefs = toSkip.stream().map(WorkflowTask::taskReferenceName).toList();
        List<String> unexpected = command.taskOutput().keySet().stream()
                .filter(ref -> !skippedRefs.contains(ref))
                .sorted()
                .toList();
        if (!unexpected.isEmpty()) {
            String message = "taskOutput names tasks this upgrade does not skip: " + String.join(", ", unexpected)
                    + " (skipped: " + (skippedRefs.isEmpty() ? "none" : String.join(", ", skippedRefs)) + ")";
            List<FieldError> errors = unexpected.stream()
                    .map(ref -> new FieldError("taskOutput." + ref, "task " + ref + " is not skipped by this upgrade"))
                    .toList();
            return new UpgradeOutcome.Rejected(new Rejection(Reason.UNEXPECTED_TASK_OUTPUT, message, errors));
        }

        long nowMillis = now.toEpochMilli();
        List<Task> tasks = new ArrayList<>(current.tasks());
        int seq = current.lastSeq();
        for (WorkflowTask task : toSkip) {
            tasks.add(skippedTask(current, task, ++seq, command, nowMillis));
        }
        Map<String, Object> input = new LinkedHashMap<>(current.input());
        input.putAll(command.workflowInput());
        UpgradeHistoryEntry entry = new UpgradeHistoryEntry(command.commandId(), current.workflowVersion(),
                command.version(), skippedRefs, command.requestedBy(), now);
        return new UpgradeOutcome.Upgraded(current.upgradedTo(target, input, tasks, entry, nowMillis), entry);
    }

    private static Task skippedTask(Workflow current, WorkflowTask task, int seq, UpgradeCommand command, long now) {
        String ref = task.taskReferenceName();
        String taskId = UUID.nameUUIDFromBytes((command.commandId() + "/" + ref).getBytes(StandardCharsets.UTF_8))
                .toString();
        Map<String, Object> output = command.taskOutput().getOrDefault(ref, Map.of());
        String taskType = "SIMPLE".equals(task.type()) ? task.name() : task.type();
        return new Task(taskId, taskType, task.name(), ref, TaskStatus.SKIPPED, seq, Map.of(), output,
                now, now, now, now, current.workflowId(),
                "Skipped by upgrade to version " + command.version() + " (command " + command.commandId() + ")",
                null, 0, 0);
    }

    private static UpgradeOutcome rejected(Reason reason, String path, String message) {
        return new UpgradeOutcome.Rejected(Rejection.of(reason, path, message));
    }
}
