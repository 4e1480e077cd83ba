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
 * Moves an execution forward. Pure: an execution, an event and the time in, the next execution out (task ids
 * come from the given supplier). What comes next is read from the execution's own definition snapshot, so
 * after an upgrade the tasks after the running ones come from the new version.
 */
public final class Decider {

    private Decider() {
    }

    public static Workflow start(String workflowId, WorkflowDef definition, Map<String, Object> input,
                                 String correlationId, long now, Supplier<String> taskIds) {
        return start(workflowId, definition, input, correlationId, now, taskIds, SystemTasks.DEFAULTS);
    }

    public static Workflow start(String workflowId, WorkflowDef definition, Map<String, Object> input,
                                 String correlationId, long now, Supplier<String> taskIds, SystemTasks systemTasks) {
        Workflow created = new Workflow(workflowId, definition.name(), definition.version(), WorkflowStatus.RUNNING,
                input, Map.of(), Map.of(), correlationId, now, now, 0, definition, List.of(), List.of(), 0, null);
        return decide(created, now, taskIds, systemTasks);
    }

    public static Workflow decide(Workflow workflow, long now, Supplier<String> taskIds) {
        return decide(workflow, now, taskIds, SystemTasks.DEFAULTS);
    }

    /**
     * Schedules what comes next in every sequence of the definition tree (see {@link DecisionPass}); completes
     * the workflow when all of it is done. Server-side tasks run here, inline. A workflow that is not RUNNING
     * (paused, ended) is left as it is.
     */
    public static Workflow decide(Workflow workflow, long now, Supplier<String> taskIds, SystemTasks systemTasks) {
        if (workflow.status() != WorkflowStatus.RUNNING) {
            return workflow;
        }
        return new DecisionPass(workflow, now, taskIds, systemTasks).run();
    }

    /**
     * Records a task that has not run yet as SKIPPED, as Conductor's skip-task API: when the workflow reaches it,
     * it goes on past it. Only a task of the definition without a record can be skipped.
     */
    public static Workflow skipTask(Workflow workflow, String taskReferenceName, Map<String, Object> input,
                                    Map<String, Object> output, long now, Supplier<String> taskIds) {
        if (workflow.status().isTerminal()) {
            throw ended(workflow, "changed");
        }
        WorkflowTask step = workflow.workflowDefinition().task(taskReferenceName).orElseThrow(() ->
                new ExecutionRejected(ExecutionRejected.Reason.TASK_NOT_FOUND, "Task " + taskReferenceName
                        + " is not a task of workflow " + workflow.workflowId() + "'s definition"));
        if (workflow.taskByReference(taskReferenceName).isPresent()) {
            throw new ExecutionRejected(ExecutionRejected.Reason.TASK_ENDED, "Task " + taskReferenceName
                    + " has already been scheduled or run; only a task that has not run yet can be skipped");
        }
        TaskType type = TaskType.of(step.type()).orElseThrow();
        Task skipped = Task.created(taskIds.get(), type.recordType(step.name()), step.name(), taskReferenceName,
                TaskStatus.IN_PROGRESS, workflow.lastSeq() + 1, input == null ? Map.of() : input,
                workflow.workflowId(), now).ended(TaskStatus.SKIPPED, output == null ? Map.of() : output,
                "Skipped through the skip-task API", now);
        return append(workflow, skipped, workflow.variables(), now);
    }

    /** A SUB_WORKFLOW task whose child execution now exists: IN_PROGRESS with its subWorkflowId. */
    public static Workflow subWorkflowStarted(Workflow workflow, String taskId, String childWorkflowId, long now) {
        Task task = workflow.task(taskId).orElseThrow(() -> new ExecutionRejected(
                ExecutionRejected.Reason.TASK_NOT_FOUND, "Task " + taskId + " not found in workflow "
                + workflow.workflowId()));
        if (task.status() != TaskStatus.SCHEDULED || workflow.status().isTerminal()) {
            return workflow;
        }
        return replace(workflow, task.withSubWorkflow(childWorkflowId, now), now);
    }

    public static Workflow onTaskResult(Workflow workflow, TaskResult result, long now, Supplier<String> taskIds) {
        return onTaskResult(workflow, result, now, taskIds, SystemTasks.DEFAULTS);
    }

    public static Workflow onTaskResult(Workflow workflow, TaskResult result, long now, Supplier<String> taskIds,
                                        SystemTasks systemTasks) {
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
                    .ended(TaskStatus.COMPLETED, output, null, now), now), now, taskIds, systemTasks);
            case IN_PROGRESS -> replace(workflow, inProgress(workflow, task, result, output, now), now);
            case FAILED, FAILED_WITH_TERMINAL_ERROR -> failed(workflow, task.withWorker(worker(result, task)), result,
                    output, now, taskIds, systemTasks);
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
        return resume(workflow, now, taskIds, SystemTasks.DEFAULTS);
    }

    public static Workflow resume(Workflow workflow, long now, Supplier<String> taskIds, SystemTasks systemTasks) {
        return switch (workflow.status()) {
            case RUNNING -> workflow;
            case PAUSED -> decide(workflow.withStatus(WorkflowStatus.RUNNING, now), now, taskIds, systemTasks);
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

    private static Workflow failed(Workflow workflow, Task task, TaskResult result, Map<String, Object> output,
                                   long now, Supplier<String> taskIds, SystemTasks systemTasks) {
        String reason = result.reasonForIncompletion() == null ? "failed" : result.reasonForIncompletion();
        boolean optional = workflow.workflowDefinition().task(task.baseReferenceTaskName())
                .map(t -> Boolean.TRUE.equals(t.optional())).orElse(false);
        if (optional) {
            return decide(replace(workflow, task.ended(TaskStatus.COMPLETED_WITH_ERRORS, output, reason, now), now),
                    now, taskIds, systemTasks);
        }
        TaskStatus status = result.status() == TaskResult.Status.FAILED_WITH_TERMINAL_ERROR
                ? TaskStatus.FAILED_WITH_TERMINAL_ERROR : TaskStatus.FAILED;
        return DecisionPass.failWorkflow(replace(workflow, task.ended(status, output, reason, now), now),
                "Task " + task.referenceTaskName() + " failed: " + reason, now);
    }

    /** A worker reporting IN_PROGRESS on a SIMPLE task gets it back by polling after callbackAfterSeconds. */
    private static Task inProgress(Workflow workflow, Task task, TaskResult result, Map<String, Object> output,
                                   long now) {
        long callback = result.callbackAfterSeconds() == null ? 0 : Math.max(0, result.callbackAfterSeconds());
        boolean workerTask = workflow.workflowDefinition().task(task.baseReferenceTaskName())
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
