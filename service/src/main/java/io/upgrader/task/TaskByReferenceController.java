package io.upgrader.task;

import io.upgrader.error.InvalidInputException;
import io.upgrader.execution.ExecutionRejected;
import io.upgrader.execution.Executions;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskResult;
import io.upgrader.execution.Workflow;
import io.upgrader.input.Identifiers;
import io.upgrader.input.StorableInput;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Conductor's task update by reference name: the output as the body, the status in the path. It updates the
 * latest record with that reference name through the same path as a TaskResult; inside a loop, where records
 * are named {@code ref__N}, the bare {@code ref} means the latest iteration's record.
 */
@RestController
@RequestMapping("/api/tasks")
public class TaskByReferenceController {

    private final Executions executions;

    public TaskByReferenceController(Executions executions) {
        this.executions = executions;
    }

    /** Answers the updated task's taskId, as Conductor. */
    @PostMapping(path = "/{workflowId}/{taskRefName}/{status}", produces = MediaType.TEXT_PLAIN_VALUE)
    public String update(@PathVariable String workflowId, @PathVariable String taskRefName,
                         @PathVariable String status,
                         @RequestParam(name = "workerid", required = false) String workerId,
                         @RequestBody(required = false) Map<String, Object> output) {
        return apply(workflowId, taskRefName, status, workerId, output).taskId();
    }

    /** The same update, answering the execution as it stands after it. */
    @PostMapping("/{workflowId}/{taskRefName}/{status}/sync")
    public Workflow updateSync(@PathVariable String workflowId, @PathVariable String taskRefName,
                               @PathVariable String status,
                               @RequestParam(name = "workerid", required = false) String workerId,
                               @RequestBody(required = false) Map<String, Object> output) {
        return apply(workflowId, taskRefName, status, workerId, output).workflow();
    }

    private record Applied(String taskId, Workflow workflow) {
    }

    private Applied apply(String workflowId, String taskRefName, String status, String workerId,
                          Map<String, Object> output) {
        TaskResult.Status resultStatus = status(status);
        StorableInput.require("body", output);
        Workflow workflow = executions.find(Identifiers.checkWorkflowId(workflowId)).orElseThrow(() ->
                new ExecutionRejected(ExecutionRejected.Reason.WORKFLOW_NOT_FOUND, "Workflow " + workflowId
                        + " not found"));
        Task task = recordFor(workflow, taskRefName).orElseThrow(() -> new ExecutionRejected(
                ExecutionRejected.Reason.TASK_NOT_FOUND, "No task with reference name " + taskRefName
                + " in workflow " + workflowId));
        Workflow updated = executions.updateTask(new TaskResult(workflowId, task.taskId(), resultStatus,
                output == null ? Map.of() : output, null,
                workerId == null || workerId.isBlank() ? null : workerId, null));
        return new Applied(task.taskId(), updated);
    }

    /**
     * The latest record named exactly {@code taskRefName}; without one, the latest loop iteration's record of
     * that reference ({@code taskRefName__N}).
     */
    static Optional<Task> recordFor(Workflow workflow, String taskRefName) {
        Optional<Task> exact = workflow.taskByReference(taskRefName);
        if (exact.isPresent()) {
            return exact;
        }
        Task latest = null;
        for (Task task : workflow.tasks()) {
            if (task.iteration() > 0 && task.baseReferenceTaskName().equals(taskRefName)
                    && (latest == null || task.iteration() >= latest.iteration())) {
                latest = task;
            }
        }
        return Optional.ofNullable(latest);
    }

    private static TaskResult.Status status(String status) {
        try {
            return TaskResult.Status.valueOf(status.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.of("status", "Unknown task status '" + status + "': one of "
                    + Arrays.toString(TaskResult.Status.values()));
        }
    }
}
