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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        Map<String, String> mapping = command.taskMapping();
        List<FieldError> mappingErrors = mappingErrors(current, target, mapping, command.version());
        if (!mappingErrors.isEmpty()) {
            return new UpgradeOutcome.Rejected(new Rejection(Reason.INVALID_TASK_MAPPING, "Invalid taskMapping: "
                    + String.join("; ", mappingErrors.stream().map(FieldError::message).toList()), mappingErrors));
        }
        Task runningTask = running.get(0);
        String runningRef = runningTask.referenceTaskName();
        String targetRef = mapping.getOrDefault(runningRef, runningRef);
        int runningIndex = target.indexOf(targetRef);
        if (runningIndex < 0) {
            return rejected(Reason.TASK_NOT_IN_TARGET, "version",
                    "task " + runningRef + " is not in version " + command.version());
        }

        // Names under which tasks are recorded once the running task carries its new name.
        Set<String> recorded = new HashSet<>();
        current.tasks().forEach(t -> recorded.add(t == runningTask ? targetRef : t.referenceTaskName()));
        List<WorkflowTask> toSkip = target.tasks().subList(0, runningIndex).stream()
                .filter(task -> !hasRecordUnder(recorded, task.taskReferenceName(), mapping))
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
        // The running task keeps its record (taskId, status, input) under the name the new version gives it.
        List<Task> tasks = new ArrayList<>(current.tasks().stream()
                .map(t -> t == runningTask && !targetRef.equals(runningRef) ? t.withReferenceTaskName(targetRef) : t)
                .toList());
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

    /** A task of the target counts as already recorded under its own name or under a name mapped to it. */
    private static boolean hasRecordUnder(Set<String> recorded, String targetRef, Map<String, String> mapping) {
        return recorded.contains(targetRef) || mapping.entrySet().stream()
                .anyMatch(e -> e.getValue().equals(targetRef) && recorded.contains(e.getKey()));
    }

    /** Each source is a task of the execution, each target a task of the target version, no target twice. */
    private static List<FieldError> mappingErrors(Workflow current, WorkflowDef target, Map<String, String> mapping,
                                                  int version) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, List<String>> sourcesByTarget = new LinkedHashMap<>();
        mapping.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String path = "taskMapping." + e.getKey();
            if (current.workflowDefinition().indexOf(e.getKey()) < 0 && !current.hasTaskRecord(e.getKey())) {
                errors.add(new FieldError(path, "task " + e.getKey() + " is not a task of workflow "
                        + current.workflowId()));
            }
            if (e.getValue() == null || target.indexOf(e.getValue()) < 0) {
                errors.add(new FieldError(path, "task " + e.getValue() + " is not in version " + version));
            } else {
                sourcesByTarget.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
            }
        });
        sourcesByTarget.forEach((to, from) -> {
            if (from.size() > 1) {
                errors.add(new FieldError("taskMapping", "tasks " + String.join(", ", from) + " are all mapped to "
                        + to + "; a task can take the place of one task only"));
            }
        });
        return errors;
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
