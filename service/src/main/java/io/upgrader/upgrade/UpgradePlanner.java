package io.upgrader.upgrade;

import io.upgrader.definition.TaskTree;
import io.upgrader.definition.TaskType;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.error.FieldError;
import io.upgrader.execution.Decider;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import io.upgrader.upgrade.Rejection.Reason;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

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
        if (running.isEmpty()) {
            return rejected(Reason.NO_RUNNING_TASK, "workflowId", "Workflow " + current.workflowId()
                    + " has no SCHEDULED or IN_PROGRESS task to continue from");
        }
        Map<String, String> mapping = command.taskMapping();
        List<FieldError> mappingErrors = mappingErrors(current, target, mapping, command.version());
        if (!mappingErrors.isEmpty()) {
            return new UpgradeOutcome.Rejected(new Rejection(Reason.INVALID_TASK_MAPPING, "Invalid taskMapping: "
                    + String.join("; ", mappingErrors.stream().map(FieldError::message).toList()), mappingErrors));
        }
        List<Placed> placed = new ArrayList<>();
        for (Task task : running) {
            String base = task.baseReferenceTaskName();
            String targetRef = mapping.getOrDefault(base, base);
            Optional<List<TaskTree.Level>> path = TaskTree.locate(target.tasks(), targetRef);
            if (path.isEmpty()) {
                return rejected(Reason.TASK_NOT_IN_TARGET, "version",
                        "task " + task.referenceTaskName() + " is not in version " + command.version());
            }
            placed.add(new Placed(task, targetRef, path.get()));
        }
        Optional<String> structure = StructureCheck.problem(current, placed, command.version());
        if (structure.isPresent()) {
            return rejected(Reason.INCOMPATIBLE_STRUCTURE, "version", structure.get());
        }

        // Names under which tasks are recorded once the running tasks carry their new names.
        Set<String> recorded = new HashSet<>();
        Map<Task, String> renamed = new IdentityHashMap<>();
        placed.forEach(p -> renamed.put(p.task(), Task.referenceIn(p.targetRef(), p.task().iteration())));
        current.tasks().forEach(t -> recorded.add(renamed.getOrDefault(t, t.referenceTaskName())));
        List<Skip> toSkip = skips(placed, recorded, mapping);
        Set<String> skippedBases = new HashSet<>();
        toSkip.forEach(skip -> skippedBases.add(skip.step().taskReferenceName()));
        List<String> unexpected = command.taskOutput().keySet().stream()
                .filter(ref -> !skippedBases.contains(ref))
                .sorted()
                .toList();
        List<String> skippedRefs = toSkip.stream().map(Skip::recordRef).toList();
        if (!unexpected.isEmpty()) {
            String message = "taskOutput names tasks this upgrade does not skip: " + String.join(", ", unexpected)
                    + " (skipped: " + (skippedRefs.isEmpty() ? "none" : String.join(", ", skippedRefs)) + ")";
            List<FieldError> errors = unexpected.stream()
                    .map(ref -> new FieldError("taskOutput." + ref, "task " + ref + " is not skipped by this upgrade"))
                    .toList();
            return new UpgradeOutcome.Rejected(new Rejection(Reason.UNEXPECTED_TASK_OUTPUT, message, errors));
        }

        long nowMillis = now.toEpochMilli();
        // The running tasks keep their records (taskId, status, input) under the names the new version gives them.
        List<Task> tasks = new ArrayList<>(current.tasks().stream()
                .map(t -> renamed.containsKey(t) && !renamed.get(t).equals(t.referenceTaskName())
                        ? t.withReferenceTaskName(renamed.get(t)) : t)
                .toList());
        int seq = current.lastSeq();
        for (Skip skip : toSkip) {
            tasks.add(skippedTask(current, skip, ++seq, command, nowMillis));
        }
        Map<String, Object> input = new LinkedHashMap<>(current.input());
        input.putAll(command.workflowInput());
        UpgradeHistoryEntry entry = new UpgradeHistoryEntry(command.commandId(), current.workflowVersion(),
                command.version(), skippedRefs, command.requestedBy(), now);
        Workflow upgraded = current.upgradedTo(target, input, tasks, entry, nowMillis);
        // What the target puts parallel to the running tasks (a fork's new branches) starts now.
        Workflow decided = Decider.decide(upgraded, nowMillis, startedTaskIds(command));
        Set<String> before = new HashSet<>();
        upgraded.tasks().forEach(t -> before.add(t.taskId()));
        List<String> started = decided.tasks().stream().filter(t -> !before.contains(t.taskId()))
                .map(Task::referenceTaskName).toList();
        List<String> kept = placed.stream().map(p -> renamed.get(p.task())).toList();
        List<UpgradeOutcome.SkippedTask> skipped = toSkip.stream().map(skip -> new UpgradeOutcome.SkippedTask(
                skip.recordRef(), skip.step().type(), skip.path())).toList();
        return new UpgradeOutcome.Upgraded(decided, entry, new UpgradeOutcome.Changes(kept, skipped, started));
    }

    /** A running task and where it sits in the target definition. */
    record Placed(Task task, String targetRef, List<TaskTree.Level> path) {
    }

    /** A task of the target to record as SKIPPED: in a loop's iteration, and, for a switch, with its case. */
    private record Skip(WorkflowTask step, int iteration, String path, boolean onPath, String selectedCase) {
        String recordRef() {
            return Task.referenceIn(step.taskReferenceName(), iteration);
        }
    }

    /**
     * For every sequence on the way down to each running task: the tasks before the step taken that have no
     * record, and the containers on the way that have none (a switch with the case that holds the running task).
     */
    private static List<Skip> skips(List<Placed> placed, Set<String> recorded, Map<String, String> mapping) {
        Map<String, Skip> skips = new LinkedHashMap<>();
        for (Placed p : placed) {
            int iteration = 0;
            StringBuilder path = new StringBuilder();
            for (int level = 0; level < p.path().size(); level++) {
                TaskTree.Level at = p.path().get(level);
                if (at.owner() != null && at.owner().isType(TaskType.DO_WHILE)) {
                    iteration = p.task().iteration();
                }
                String prefix = path + (path.isEmpty() ? "" : ".") + at.branch();
                for (int i = 0; i < at.index(); i++) {
                    WorkflowTask before = at.sequence().get(i);
                    String ref = Task.referenceIn(before.taskReferenceName(), iteration);
                    if (!hasRecordUnder(recorded, ref, before.taskReferenceName(), iteration, mapping)) {
                        skips.putIfAbsent(ref, new Skip(before, iteration, prefix + "[" + i + "]", false, null));
                    }
                }
                path.append(path.isEmpty() ? "" : ".").append(at.branch()).append('[').append(at.index()).append(']');
                boolean last = level == p.path().size() - 1;
                WorkflowTask step = at.step();
                String ref = Task.referenceIn(step.taskReferenceName(), iteration);
                if (!last && !recorded.contains(ref)) {
                    String branch = p.path().get(level + 1).branch();
                    String selectedCase = branch.startsWith("decisionCases.")
                            ? branch.substring("decisionCases.".length()) : null;
                    skips.putIfAbsent(ref, new Skip(step, iteration, path.toString(), true, selectedCase));
                }
            }
        }
        return new ArrayList<>(skips.values());
    }

    private static Supplier<String> startedTaskIds(UpgradeCommand command) {
        int[] counter = {0};
        return () -> UUID.nameUUIDFromBytes((command.commandId() + "/started/" + counter[0]++)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A task of the target counts as already recorded under its own name or under a name mapped to it. */
    private static boolean hasRecordUnder(Set<String> recorded, String ref, String targetRef, int iteration,
                                          Map<String, String> mapping) {
        return recorded.contains(ref) || mapping.entrySet().stream().anyMatch(e -> e.getValue().equals(targetRef)
                && recorded.contains(Task.referenceIn(e.getKey(), iteration)));
    }

    /** Each source is a task of the execution, each target a task of the target version, no target twice. */
    private static List<FieldError> mappingErrors(Workflow current, WorkflowDef target, Map<String, String> mapping,
                                                  int version) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, List<String>> sourcesByTarget = new LinkedHashMap<>();
        mapping.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String path = "taskMapping." + e.getKey();
            if (current.workflowDefinition().task(e.getKey()).isEmpty() && !current.hasTaskRecord(e.getKey())) {
                errors.add(new FieldError(path, "task " + e.getKey() + " is not a task of workflow "
                        + current.workflowId()));
            }
            if (e.getValue() == null || target.task(e.getValue()).isEmpty()) {
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

    private static Task skippedTask(Workflow current, Skip skip, int seq, UpgradeCommand command, long now) {
        WorkflowTask task = skip.step();
        String ref = skip.recordRef();
        String taskId = UUID.nameUUIDFromBytes((command.commandId() + "/" + ref).getBytes(StandardCharsets.UTF_8))
                .toString();
        Map<String, Object> output = new LinkedHashMap<>(command.taskOutput().getOrDefault(task.taskReferenceName(),
                Map.of()));
        if (skip.onPath() && (task.isType(TaskType.SWITCH) || task.isType(TaskType.DECISION))) {
            output.put("selectedCase", skip.selectedCase());
        }
        String taskType = TaskType.of(task.type()).map(type -> type.recordType(task.name())).orElse(task.type());
        return new Task(taskId, taskType, task.name(), ref, TaskStatus.SKIPPED, seq, Map.of(), output,
                now, now, now, now, current.workflowId(),
                "Skipped by upgrade to version " + command.version() + " (command " + command.commandId() + ")",
                null, 0, 0, skip.iteration(), null, 0);
    }

    private static UpgradeOutcome rejected(Reason reason, String path, String message) {
        return new UpgradeOutcome.Rejected(Rejection.of(reason, path, message));
    }
}
