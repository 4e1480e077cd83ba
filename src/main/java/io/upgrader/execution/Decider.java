package io.upgrader.execution;

import io.upgrader.definition.TaskType;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Moves a sequential execution forward. Pure: an execution, an event and the time in, the next execution
 * out (task ids come from the given supplier). What comes next is read from the execution's own definition
 * snapshot, so after an upgrade the tasks after the running one come from the new version.
 */
public final class Decider {

    private Decider() {
    }

    public static Workflow start(String workflowId, WorkflowDef definition, Map<String, Object> input,
                                 String correlationId, long now, Supplier<String> taskIds) {
        Workflow created = new Workflow(workflowId, definition.name(), definition.version(), WorkflowStatus.RUNNING,
                input, Map.of(), Map.of(), correlationId, now, now, 0, definition, List.of(), List.of(), 0, null);
        return decide(created, now, taskIds);
    }

    /**
     * Schedules what comes next when nothing is running: the task after the furthest task of the definition
     * that has completed or been skipped; completes the workflow after the last one. Server-side tasks run
     * here, inline. A workflow that is not RUNNING (paused, ended) is left as it is.
     */
    public static Workflow decide(Workflow workflow, long now, Supplier<String> taskIds) {
        Workflow current = workflow;
        while (current.status() == WorkflowStatus.RUNNING && current.runningTasks().isEmpty()) {
            WorkflowDef definition = current.workflowDefinition();
            int next = nextIndex(current);
            if (next >= definition.tasks().size()) {
                return current.ended(WorkflowStatus.COMPLETED,
                        ParameterResolver.resolve(definition.outputParameters(), current), null, now);
            }
            current = run(current, definition.tasks().get(next), now, taskIds);
        }
        return current;
    }

    public static Workflow onTaskResult(Workflow workflow, TaskResult result, long now, Supplier<String> taskIds) {
        Task task = workflow.task(result.taskId()).orElseThrow(() -> new ExecutionRejected(
                ExecutionRejected.Reason.TASK_NOT_FOUND, "Task " + result.taskId() + " not found in workflow "
                + workflow.workflowId()));
        if (workflow.status().isTerminal()) {
            throw new ExecutionRejected(ExecutionRejected.Reason.WORKFLOW_ENDED, "Workflow " + workflow.workflowId()
                    + " is " + workflow.status() + "; task " + task.referenceTaskName() + " can no longer be updated");
        }
        if (task.isEnded()) {
            throw new ExecutionRejected(ExecutionRejected.Reason.TASK_ENDED, "Task " + task.referenceTaskName()
                    + " (" + task.taskId() + ") is already " + task.status());
        }
        Map<String, Object> output = result.outputData() == null ? task.outputData() : result.outputData();
        return switch (result.status()) {
            case COMPLETED -> decide(replace(workflow, task.withWorker(worker(result, task))
                    .ended(TaskStatus.COMPLETED, output, null, now), now), now, taskIds);
            case IN_PROGRESS -> replace(workflow, inProgress(workflow, task, result, output, now), now);
            case FAILED, FAILED_WITH_TERMINAL_ERROR -> failed(workflow, task.withWorker(worker(result, task)), result,
                    output, now, taskIds);
        };
    }

    public static Workflow pause(Workflow workflow, long now) {
        return switch (workflow.status()) {
            case PAUSED -> workflow;
            case RUNNING -> workflow.withStatus(WorkflowStatus.PAUSED, now);
            default -> throw ended(workflow, "paused");
        };
    }

    public static Workflow resume(Workflow workflow, long now, Supplier<String> taskIds) {
        return switch (workflow.status()) {
            case RUNNING -> workflow;
            case PAUSED -> decide(workflow.withStatus(WorkflowStatus.RUNNING, now), now, taskIds);
            default -> throw ended(workflow, "resumed");
        };
    }

    public static Workflow terminate(Workflow workflow, String reason, long now) {
        if (workflow.status().isTerminal()) {
            throw ended(workflow, "terminated");
        }
        List<Task> tasks = workflow.tasks().stream()
                .map(t -> t.status().isRunning() ? t.ended(TaskStatus.CANCELED, null, reason, now) : t).toList();
        return workflow.withProgress(tasks, workflow.variables(), now)
                .ended(WorkflowStatus.TERMINATED, null, reason, now);
    }

    private static ExecutionRejected ended(Workflow workflow, String verb) {
        return new ExecutionRejected(ExecutionRejected.Reason.WRONG_STATUS, "Workflow " + workflow.workflowId()
                + " is " + workflow.status() + " and cannot be " + verb);
    }

    private static int nextIndex(Workflow workflow) {
        WorkflowDef definition = workflow.workflowDefinition();
        int furthest = -1;
        for (Task task : workflow.tasks()) {
            if (task.status() == TaskStatus.COMPLETED || task.status() == TaskStatus.COMPLETED_WITH_ERRORS
                    || task.status() == TaskStatus.SKIPPED) {
                furthest = Math.max(furthest, definition.indexOf(task.referenceTaskName()));
            }
        }
        return furthest + 1;
    }

    private static Workflow run(Workflow workflow, WorkflowTask step, long now, Supplier<String> taskIds) {
        TaskType type = TaskType.of(step.type()).orElseThrow(() -> new IllegalStateException(
                "definition holds unsupported task type " + step.type()));
        Map<String, Object> input = ParameterResolver.resolve(step.inputParameters(), workflow);
        TaskStatus initial = type == TaskType.SIMPLE ? TaskStatus.SCHEDULED : TaskStatus.IN_PROGRESS;
        // As in Conductor, a worker task's taskType is its task definition's name: what workers poll for.
        String taskType = type == TaskType.SIMPLE ? step.name() : type.name();
        Task task = Task.created(taskIds.get(), taskType, step.name(), step.taskReferenceName(), initial,
                workflow.lastSeq() + 1, input, workflow.workflowId(), now);
        return switch (type) {
            case SIMPLE, WAIT, HUMAN -> append(workflow, task, workflow.variables(), now);
            case SET_VARIABLE -> {
                Map<String, Object> variables = new LinkedHashMap<>(workflow.variables());
                variables.putAll(input);
                yield append(workflow, task.ended(TaskStatus.COMPLETED, Map.of(), null, now), variables, now);
            }
            case TERMINATE -> terminateTask(workflow, task, input, now);
        };
    }

    private static Workflow terminateTask(Workflow workflow, Task task, Map<String, Object> input, long now) {
        WorkflowStatus end = "FAILED".equals(input.get("terminationStatus")) ? WorkflowStatus.FAILED
                : "TERMINATED".equals(input.get("terminationStatus")) ? WorkflowStatus.TERMINATED
                : WorkflowStatus.COMPLETED;
        @SuppressWarnings("unchecked")
        Map<String, Object> output = input.get("workflowOutput") instanceof Map<?, ?> map
                ? (Map<String, Object>) map : Map.of();
        Object reason = input.get("terminationReason");
        return append(workflow, task.ended(TaskStatus.COMPLETED, output, null, now), workflow.variables(), now)
                .ended(end, output, reason == null ? null : String.valueOf(reason), now);
    }

    private static Workflow failed(Workflow workflow, Task task, TaskResult result, Map<String, Object> output,
                                   long now, Supplier<String> taskIds) {
        String reason = result.reasonForIncompletion() == null ? "failed" : result.reasonForIncompletion();
        boolean optional = workflow.workflowDefinition().task(task.referenceTaskName())
                .map(t -> Boolean.TRUE.equals(t.optional())).orElse(false);
        if (optional) {
            return decide(replace(workflow, task.ended(TaskStatus.COMPLETED_WITH_ERRORS, output, reason, now), now),
                    now, taskIds);
        }
        TaskStatus status = result.status() == TaskResult.Status.FAILED_WITH_TERMINAL_ERROR
                ? TaskStatus.FAILED_WITH_TERMINAL_ERROR : TaskStatus.FAILED;
        return replace(workflow, task.ended(status, output, reason, now), now).ended(WorkflowStatus.FAILED, null,
                "Task " + task.referenceTaskName() + " failed: " + reason, now);
    }

    /** A worker reporting IN_PROGRESS on a SIMPLE task gets it back by polling after callbackAfterSeconds. */
    private static Task inProgress(Workflow workflow, Task task, TaskResult result, Map<String, Object> output,
                                   long now) {
        long callback = result.callbackAfterSeconds() == null ? 0 : Math.max(0, result.callbackAfterSeconds());
        boolean workerTask = workflow.workflowDefinition().task(task.referenceTaskName())
                .map(step -> TaskType.SIMPLE.name().equals(step.type())).orElse(false);
        if (workerTask) {
            return task.progressed(TaskStatus.SCHEDULED, output, now + callback * 1000, callback, now);
        }
        return task.progressed(task.status(), output, 0, callback, now);
    }

    private static String worker(TaskResult result, Task task) {
        return result.workerId() != null ? result.workerId() : task.workerId();
    }

    private static Workflow replace(Workflow workflow, Task updated, long now) {
        List<Task> tasks = workflow.tasks().stream()
                .map(t -> t.taskId().equals(updated.taskId()) ? updated : t).toList();
        return workflow.withProgress(tasks, workflow.variables(), now);
    }

    private static Workflow append(Workflow workflow, Task task, Map<String, Object> variables, long now) {
        List<Task> tasks = new ArrayList<>(workflow.tasks());
        tasks.add(task);
        return workflow.withProgress(tasks, variables, now);
    }
}
