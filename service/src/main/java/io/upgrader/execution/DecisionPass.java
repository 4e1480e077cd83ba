package io.upgrader.execution;

import io.upgrader.definition.TaskTree;
import io.upgrader.definition.TaskType;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.script.ScriptFailure;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One walk of an execution's definition tree from the top, as Conductor's DeciderService decides: for each
 * sequence (top level, switch case, fork branch, loop body) the first task without a record is scheduled,
 * server-side tasks run inline, and containers (SWITCH, FORK, JOIN, DO_WHILE) move on when what they frame
 * has. Everything is read from the task records, so an upgraded execution (its definition snapshot replaced,
 * SKIPPED records added) simply continues along the new tree.
 *
 * <p>A task with nothing running in it counts as passed when a later task of its sequence has a record that
 * is not SKIPPED: it lies before what already ran (a task mapped onto another name, a task an upgrade added to
 * a case or branch that had already ended). A SKIPPED record ahead of what runs (the skip-task API) does not
 * pass the tasks before it.
 */
final class DecisionPass {

    enum Result { DONE, BLOCKED }

    private final Workflow start;
    private final long now;
    private final Supplier<String> taskIds;
    private final SystemTasks systemTasks;
    private final List<Task> tasks;
    private final Map<String, Integer> byReference = new HashMap<>();
    private final Map<String, Result> results = new HashMap<>();
    private Map<String, Object> variables;
    private int seq;
    private boolean changed;
    private WorkflowStatus endStatus;
    private Map<String, Object> endOutput;
    private String endReason;

    DecisionPass(Workflow start, long now, Supplier<String> taskIds, SystemTasks systemTasks) {
        this.start = start;
        this.now = now;
        this.taskIds = taskIds;
        this.systemTasks = systemTasks;
        this.tasks = new ArrayList<>(start.tasks());
        for (int i = 0; i < tasks.size(); i++) {
            byReference.put(tasks.get(i).referenceTaskName(), i);
        }
        this.variables = start.variables();
        this.seq = start.lastSeq();
    }

    /** Walks the whole tree; the execution as it stands afterwards (the same instance when nothing changed). */
    Workflow run() {
        Result result = sequence(start.workflowDefinition().tasks(), 0);
        if (result == Result.DONE && endStatus == null) {
            endStatus = WorkflowStatus.COMPLETED;
            endOutput = ParameterResolver.resolve(start.workflowDefinition().outputParameters(), view());
            changed = true;
        }
        if (!changed) {
            return start;
        }
        Workflow progressed = start.withProgress(tasks, variables, now);
        return endStatus == null ? progressed : progressed.ended(endStatus, endOutput, endReason, now);
    }

    /** Fails the execution as a failed non-optional task does: what still runs is canceled. */
    static Workflow failWorkflow(Workflow workflow, String reason, long now) {
        List<Task> tasks = workflow.tasks().stream()
                .map(t -> t.status().isRunning() ? t.ended(TaskStatus.CANCELED, null, reason, now) : t).toList();
        return workflow.withProgress(tasks, workflow.variables(), now).ended(WorkflowStatus.FAILED, null, reason, now);
    }

    private Result sequence(List<WorkflowTask> steps, int iteration) {
        int passedBefore = lastIndexWith(steps, iteration, task -> task.status() != TaskStatus.SKIPPED);
        boolean forkStillRunning = false;
        for (int i = 0; i < steps.size(); i++) {
            if (endStatus != null) {
                return Result.BLOCKED;
            }
            WorkflowTask step = steps.get(i);
            Result result = i < passedBefore && !anyRecord(step, iteration, task -> task.status().isRunning())
                    ? Result.DONE : step(steps, i, iteration);
            results.put(Task.referenceIn(step.taskReferenceName(), iteration), result);
            if (result == Result.BLOCKED) {
                // The JOIN after a fork decides when to go on, even while branches it does not join on run.
                if (isFork(step) && i + 1 < steps.size()) {
                    forkStillRunning = true;
                    continue;
                }
                return Result.BLOCKED;
            }
        }
        return forkStillRunning ? Result.BLOCKED : Result.DONE;
    }

    private Result step(List<WorkflowTask> steps, int index, int iteration) {
        WorkflowTask step = steps.get(index);
        TaskType type = TaskType.of(step.type()).orElseThrow(() -> new IllegalStateException(
                "definition holds unsupported task type " + step.type()));
        Task record = record(step.taskReferenceName(), iteration);
        return switch (type) {
            case SWITCH, DECISION -> switchStep(step, record, iteration);
            case FORK_JOIN -> forkStep(step, record, iteration);
            case FORK_JOIN_DYNAMIC -> dynamicForkStep(step, record, iteration);
            case JOIN -> joinStep(steps, index, record, iteration);
            case DO_WHILE -> loopStep(step, record, iteration);
            default -> outcome(record != null ? record : schedule(step, type, iteration));
        };
    }

    private Task schedule(WorkflowTask step, TaskType type, int iteration) {
        Map<String, Object> input = resolve(step.inputParameters());
        return switch (type) {
            case SIMPLE, HTTP -> add(created(step, type, iteration, TaskStatus.SCHEDULED, input));
            case HUMAN -> add(created(step, type, iteration, TaskStatus.IN_PROGRESS, input));
            case WAIT -> scheduleWait(step, iteration, input);
            case SUB_WORKFLOW -> add(created(step, type, iteration, TaskStatus.SCHEDULED, subWorkflowInput(step, input)));
            case SET_VARIABLE -> {
                Map<String, Object> updated = new LinkedHashMap<>(variables);
                updated.putAll(input);
                variables = updated;
                yield add(created(step, type, iteration, TaskStatus.IN_PROGRESS, input)
                        .ended(TaskStatus.COMPLETED, Map.of(), null, now));
            }
            case TERMINATE -> terminate(step, iteration, input);
            case INLINE, JSON_JQ_TRANSFORM -> evaluated(step, type, iteration, input);
            default -> throw new IllegalStateException(type + " is not a leaf task");
        };
    }

    private Task scheduleWait(WorkflowTask step, int iteration, Map<String, Object> input) {
        Task task = created(step, TaskType.WAIT, iteration, TaskStatus.IN_PROGRESS, input);
        try {
            return add(WaitTime.until(input, now).map(task::waitingUntil).orElse(task));
        } catch (IllegalArgumentException e) {
            return failed(step, task, e.getMessage());
        }
    }

    private static Map<String, Object> subWorkflowInput(WorkflowTask step, Map<String, Object> input) {
        Map<String, Object> withChild = new LinkedHashMap<>(input);
        if (step.subWorkflowParam() != null) {
            withChild.put("subWorkflowName", step.subWorkflowParam().name());
            withChild.put("subWorkflowVersion", step.subWorkflowParam().version());
        }
        return withChild;
    }

    private Task terminate(WorkflowTask step, int iteration, Map<String, Object> input) {
        endStatus = "FAILED".equals(input.get("terminationStatus")) ? WorkflowStatus.FAILED
                : "TERMINATED".equals(input.get("terminationStatus")) ? WorkflowStatus.TERMINATED
                : WorkflowStatus.COMPLETED;
        @SuppressWarnings("unchecked")
        Map<String, Object> output = input.get("workflowOutput") instanceof Map<?, ?> map
                ? (Map<String, Object>) map : Map.of();
        endOutput = output;
        Object reason = input.get("terminationReason");
        endReason = reason == null ? null : String.valueOf(reason);
        cancelRunning(endReason);
        return add(created(step, TaskType.TERMINATE, iteration, TaskStatus.IN_PROGRESS, input)
                .ended(TaskStatus.COMPLETED, output, null, now));
    }

    private Task evaluated(WorkflowTask step, TaskType type, int iteration, Map<String, Object> input) {
        Task task = created(step, type, iteration, TaskStatus.IN_PROGRESS, input);
        try {
            Map<String, Object> output = type == TaskType.INLINE ? systemTasks.inline(input)
                    : systemTasks.jq(input);
            return add(task.ended(TaskStatus.COMPLETED, output, null, now));
        } catch (ScriptFailure e) {
            return failed(step, task, e.getMessage());
        }
    }

    private Result switchStep(WorkflowTask step, Task record, int iteration) {
        if (record == null) {
            Map<String, Object> input = resolve(step.inputParameters());
            Task task = created(step, TaskType.of(step.type()).orElseThrow(), iteration, TaskStatus.IN_PROGRESS,
                    input);
            try {
                String selected = systemTasks.selectCase(step, input);
                Map<String, Object> output = new LinkedHashMap<>();
                output.put("evaluationResult", List.of(selected));
                output.put("selectedCase", selected);
                record = add(task.ended(TaskStatus.COMPLETED, output, null, now));
            } catch (ScriptFailure e) {
                return outcome(failed(step, task, e.getMessage()));
            }
        } else if (!entered(step, record, iteration)) {
            return outcome(record);
        }
        return sequence(step.caseTasks(selectedCase(record)), iteration);
    }

    private static String selectedCase(Task record) {
        Object selected = record.outputData().get("selectedCase");
        if (selected == null && record.outputData().get("evaluationResult") instanceof List<?> results
                && !results.isEmpty()) {
            selected = results.get(0);
        }
        return selected == null ? null : String.valueOf(selected);
    }

    private Result forkStep(WorkflowTask step, Task record, int iteration) {
        if (record == null) {
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("forkedTasks", step.forkTasks().stream()
                    .filter(branch -> !branch.isEmpty()).map(branch -> branch.get(0).taskReferenceName()).toList());
            add(created(step, TaskType.FORK_JOIN, iteration, TaskStatus.IN_PROGRESS, input)
                    .ended(TaskStatus.COMPLETED, Map.of(), null, now));
        } else if (!entered(step, record, iteration)) {
            return outcome(record);
        }
        return branches(step.forkTasks(), iteration);
    }

    private Result dynamicForkStep(WorkflowTask step, Task record, int iteration) {
        if (record == null) {
            Map<String, Object> input = resolve(step.inputParameters());
            try {
                List<WorkflowTask> forked = DynamicFork.branches(step, input, start.workflowDefinition(),
                        byReference.keySet());
                Map<String, Object> recorded = new LinkedHashMap<>(input);
                recorded.put("forkedTasks", forked.stream().map(WorkflowTask::taskReferenceName).toList());
                recorded.put("forkedTaskDefs", DynamicFork.describe(forked));
                record = add(created(step, TaskType.FORK_JOIN_DYNAMIC, iteration, TaskStatus.IN_PROGRESS, recorded)
                        .ended(TaskStatus.COMPLETED, Map.of(), null, now));
            } catch (IllegalArgumentException e) {
                return outcome(failed(step, created(step, TaskType.FORK_JOIN_DYNAMIC, iteration,
                        TaskStatus.IN_PROGRESS, input), e.getMessage()));
            }
        } else if (record.status() != TaskStatus.COMPLETED && record.status() != TaskStatus.SKIPPED) {
            return outcome(record);
        }
        List<WorkflowTask> forked = DynamicFork.recorded(record);
        return branches(forked.stream().map(List::of).toList(), iteration);
    }

    private Result branches(List<List<WorkflowTask>> branches, int iteration) {
        boolean running = false;
        for (List<WorkflowTask> branch : branches) {
            if (sequence(branch, iteration) == Result.BLOCKED) {
                running = true;
            }
        }
        return running || endStatus != null ? Result.BLOCKED : Result.DONE;
    }

    private Result joinStep(List<WorkflowTask> steps, int index, Task record, int iteration) {
        WorkflowTask step = steps.get(index);
        List<String> joinOn = joinOn(steps, index, iteration);
        if (record == null) {
            record = add(created(step, TaskType.JOIN, iteration, TaskStatus.IN_PROGRESS,
                    Map.of("joinOn", joinOn)));
        }
        if (!record.status().isRunning()) {
            return outcome(record);
        }
        Map<String, Object> output = new LinkedHashMap<>();
        boolean errors = false;
        for (String ref : joinOn) {
            String scoped = Task.referenceIn(ref, iteration);
            Task joined = record(ref, iteration);
            // Not walked in this pass: its branch had ended before, and its record says how.
            Result result = results.containsKey(scoped) ? results.get(scoped)
                    : joined == null ? Result.BLOCKED : outcome(joined);
            if (result != Result.DONE) {
                return Result.BLOCKED;
            }
            output.put(scoped, joined == null ? Map.of() : joined.outputData());
            errors |= joined != null && joined.status() == TaskStatus.COMPLETED_WITH_ERRORS;
        }
        replace(record.ended(errors ? TaskStatus.COMPLETED_WITH_ERRORS : TaskStatus.COMPLETED, output, null, now));
        return Result.DONE;
    }

    /** The definition's joinOn; after a dynamic fork, the tasks it forked (its JOIN names none). */
    private List<String> joinOn(List<WorkflowTask> steps, int index, int iteration) {
        WorkflowTask join = steps.get(index);
        if ((join.joinOn() == null || join.joinOn().isEmpty()) && index > 0
                && steps.get(index - 1).isType(TaskType.FORK_JOIN_DYNAMIC)) {
            Task fork = record(steps.get(index - 1).taskReferenceName(), iteration);
            return fork == null ? List.of() : DynamicFork.recorded(fork).stream()
                    .map(WorkflowTask::taskReferenceName).toList();
        }
        return join.joinOn() == null ? List.of() : join.joinOn();
    }

    private Result loopStep(WorkflowTask step, Task record, int iteration) {
        if (record == null) {
            Map<String, Object> output = new LinkedHashMap<>();
            output.put("iteration", 1);
            record = add(created(step, TaskType.DO_WHILE, iteration, TaskStatus.IN_PROGRESS,
                    resolve(step.inputParameters())).withOutput(output, 1, now));
        }
        if (!record.status().isRunning()) {
            return outcome(record);
        }
        while (true) {
            int current = Math.max(1, record.iteration());
            if (sequence(step.loopOver(), current) == Result.BLOCKED) {
                return Result.BLOCKED;
            }
            Map<String, Object> outputs = iterationOutputs(step, current);
            Map<String, Object> loopOutput = new LinkedHashMap<>(record.outputData());
            loopOutput.put(String.valueOf(current), outputs);
            loopOutput.put("iteration", current);
            boolean again;
            try {
                Map<String, Object> conditionInput = new LinkedHashMap<>(resolve(step.inputParameters()));
                conditionInput.putAll(outputs);
                conditionInput.put(step.taskReferenceName(), loopOutput);
                again = systemTasks.loopAgain(step.loopCondition(), conditionInput);
                if (again && current >= systemTasks.maxIterations()) {
                    throw new ScriptFailure("loop reached its limit of " + systemTasks.maxIterations()
                            + " iterations");
                }
            } catch (ScriptFailure e) {
                return outcome(failed(step, record.withOutput(loopOutput, current, now), e.getMessage()));
            }
            if (!again) {
                replace(record.ended(TaskStatus.COMPLETED, loopOutput, null, now));
                return Result.DONE;
            }
            loopOutput.put("iteration", current + 1);
            record = replace(record.withOutput(loopOutput, current + 1, now));
        }
    }

    /** The outputs of the loop body's records in one iteration, keyed by their reference names without suffix. */
    private Map<String, Object> iterationOutputs(WorkflowTask loop, int iteration) {
        Map<String, Object> outputs = new LinkedHashMap<>();
        for (WorkflowTask task : TaskTree.all(loop.loopOver())) {
            Task record = record(task.taskReferenceName(), iteration);
            if (record != null) {
                outputs.put(task.taskReferenceName(), record.outputData());
            }
        }
        return outputs;
    }

    /** A container with a record goes on into its tasks, unless it was SKIPPED with nothing of it recorded. */
    private boolean entered(WorkflowTask step, Task record, int iteration) {
        if (record.status() == TaskStatus.SKIPPED) {
            return step.children().stream().flatMap(List::stream)
                    .anyMatch(child -> anyRecord(child, iteration, task -> true));
        }
        return record.status() == TaskStatus.COMPLETED || record.status() == TaskStatus.COMPLETED_WITH_ERRORS;
    }

    /** Whether the step or anything nested in it has a record matching the test, in this iteration. */
    private boolean anyRecord(WorkflowTask step, int iteration, Predicate<Task> test) {
        Task record = record(step.taskReferenceName(), iteration);
        if (record != null && test.test(record)) {
            return true;
        }
        if (step.isType(TaskType.DO_WHILE)) {
            return false;   // the loop's own record stands for its iterations
        }
        for (List<WorkflowTask> child : step.children()) {
            for (WorkflowTask task : child) {
                if (anyRecord(task, iteration, test)) {
                    return true;
                }
            }
        }
        return false;
    }

    private int lastIndexWith(List<WorkflowTask> steps, int iteration, Predicate<Task> test) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            if (anyRecord(steps.get(i), iteration, test)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isFork(WorkflowTask step) {
        return step.isType(TaskType.FORK_JOIN) || step.isType(TaskType.FORK_JOIN_DYNAMIC);
    }

    private static Result outcome(Task record) {
        return switch (record.status()) {
            case COMPLETED, COMPLETED_WITH_ERRORS, SKIPPED -> Result.DONE;
            default -> Result.BLOCKED;
        };
    }

    /** A server-side task that failed: an optional one ends COMPLETED_WITH_ERRORS, any other fails the workflow. */
    private Task failed(WorkflowTask step, Task task, String reason) {
        if (Boolean.TRUE.equals(step.optional())) {
            return addOrReplace(task.ended(TaskStatus.COMPLETED_WITH_ERRORS, null, reason, now));
        }
        Task failed = addOrReplace(task.ended(TaskStatus.FAILED, null, reason, now));
        endStatus = WorkflowStatus.FAILED;
        endReason = "Task " + task.referenceTaskName() + " failed: " + reason;
        cancelRunning(endReason);
        return failed;
    }

    private void cancelRunning(String reason) {
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i).status().isRunning()) {
                tasks.set(i, tasks.get(i).ended(TaskStatus.CANCELED, null, reason, now));
            }
        }
        changed = true;
    }

    private Task created(WorkflowTask step, TaskType type, int iteration, TaskStatus status,
                         Map<String, Object> input) {
        return Task.created(taskIds.get(), type.recordType(step.name()), step.name(),
                Task.referenceIn(step.taskReferenceName(), iteration), status, ++seq, input, start.workflowId(), now)
                .inIteration(iteration);
    }

    private Task record(String taskReferenceName, int iteration) {
        Integer index = byReference.get(Task.referenceIn(taskReferenceName, iteration));
        return index == null ? null : tasks.get(index);
    }

    private Task add(Task task) {
        byReference.put(task.referenceTaskName(), tasks.size());
        tasks.add(task);
        changed = true;
        return task;
    }

    private Task replace(Task task) {
        for (int i = tasks.size() - 1; i >= 0; i--) {
            if (tasks.get(i).taskId().equals(task.taskId())) {
                tasks.set(i, task);
                changed = true;
                return task;
            }
        }
        throw new IllegalStateException("no record " + task.taskId());
    }

    private Task addOrReplace(Task task) {
        return tasks.stream().anyMatch(t -> t.taskId().equals(task.taskId())) ? replace(task) : add(task);
    }

    private Map<String, Object> resolve(Map<String, Object> parameters) {
        return ParameterResolver.resolve(parameters, view());
    }

    private Workflow view() {
        return start.withProgress(tasks, variables, now);
    }
}
