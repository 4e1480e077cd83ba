package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowDefRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Conductor's SUB_WORKFLOW system task: starts the child of a SCHEDULED task, completes or fails the parent's
 * task when the child ends, and terminates running children when the parent ends. The child's workflowId is
 * derived from the parent's taskId, so a second attempt (another notification, the sweep, another instance)
 * finds the child instead of starting another.
 */
@Component
class SubWorkflows {

    static final String NAME = "subWorkflowName";
    static final String VERSION = "subWorkflowVersion";
    /** How deep children may nest: a definition that starts itself would otherwise never stop. */
    static final int MAX_DEPTH = 32;

    private static final Logger log = LoggerFactory.getLogger(SubWorkflows.class);

    private final Executions executions;
    private final WorkflowDefRegistry definitions;

    SubWorkflows(Executions executions, WorkflowDefRegistry definitions) {
        this.executions = executions;
        this.definitions = definitions;
    }

    static String childId(String parentTaskId) {
        return UUID.nameUUIDFromBytes(parentTaskId.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Starts (or finds) the child of a SCHEDULED SUB_WORKFLOW task and marks the task IN_PROGRESS. */
    void start(Workflow parent, Task task) {
        Object name = task.inputData().get(NAME);
        Integer version = version(task.inputData().get(VERSION));
        Optional<WorkflowDef> definition = name == null ? Optional.empty() : version == null
                ? definitions.latest(String.valueOf(name)) : definitions.find(String.valueOf(name), version);
        if (definition.isEmpty()) {
            report(new TaskResult(parent.workflowId(), task.taskId(), TaskResult.Status.FAILED, null,
                    "Sub workflow definition " + name + (version == null ? " (latest version)" : " version " + version)
                            + " is not registered", null, null));
            return;
        }
        if (depth(parent) >= MAX_DEPTH) {
            report(new TaskResult(parent.workflowId(), task.taskId(), TaskResult.Status.FAILED, null,
                    "Sub workflows are nested more than " + MAX_DEPTH + " deep (does " + name
                            + " start itself?)", null, null));
            return;
        }
        Map<String, Object> input = new LinkedHashMap<>(task.inputData());
        input.remove(NAME);
        input.remove(VERSION);
        String childId = childId(task.taskId());
        Optional<Workflow> started = executions.startChild(childId, definition.get(), input, parent.correlationId(),
                parent.workflowId(), task.taskId());
        Workflow marked = executions.subWorkflowStarted(parent.workflowId(), task.taskId(), childId);
        if (marked.status().isTerminal()) {
            // The parent ended while its child was being started: the child must not outlive it.
            parentEnded(marked);
        } else if (started.isEmpty()) {
            // Started by an earlier attempt, which may have stopped before the child's end reached the parent.
            executions.find(childId).filter(child -> child.status().isTerminal()).ifPresent(this::childEnded);
        }
    }

    /** How many ancestors the workflow has, counted up to MAX_DEPTH. */
    private int depth(Workflow workflow) {
        int depth = 0;
        String ancestor = workflow.parentWorkflowId();
        while (ancestor != null && depth < MAX_DEPTH) {
            depth++;
            ancestor = executions.find(ancestor).map(Workflow::parentWorkflowId).orElse(null);
        }
        return depth;
    }

    /** A child reached a terminal status: its parent's task ends with it. */
    void childEnded(Workflow child) {
        String parentId = child.parentWorkflowId();
        String taskId = child.parentWorkflowTaskId();
        // A child that ended during its own start ends before its parent's task knows it: record it first.
        executions.subWorkflowStarted(parentId, taskId, child.workflowId());
        Optional<Task> task = executions.find(parentId).filter(parent -> !parent.status().isTerminal())
                .flatMap(parent -> parent.task(taskId))
                .filter(t -> !t.isEnded() && child.workflowId().equals(t.subWorkflowId()));
        if (task.isEmpty()) {
            return;
        }
        Map<String, Object> output = new LinkedHashMap<>(task.get().outputData());
        if (child.status() == WorkflowStatus.COMPLETED) {
            output.putAll(child.output());
            report(new TaskResult(parentId, taskId, TaskResult.Status.COMPLETED, output, null, null, null));
        } else {
            report(new TaskResult(parentId, taskId, TaskResult.Status.FAILED, output, "sub workflow "
                    + child.workflowId() + " is " + child.status() + ": " + child.reasonForIncompletion(), null, null));
        }
    }

    /** A parent reached a terminal status: children still running are terminated. */
    void parentEnded(Workflow parent) {
        for (Task task : parent.tasks()) {
            if (!"SUB_WORKFLOW".equals(task.taskType()) || task.status() == TaskStatus.COMPLETED) {
                continue;
            }
            String childId = task.subWorkflowId() != null ? task.subWorkflowId() : childId(task.taskId());
            executions.find(childId).filter(child -> !child.status().isTerminal()).ifPresent(child -> {
                try {
                    executions.terminate(childId, "parent workflow " + parent.workflowId() + " is " + parent.status()
                            + (parent.reasonForIncompletion() == null ? "" : ": " + parent.reasonForIncompletion()));
                } catch (ExecutionRejected e) {
                    log.debug("Child workflow {} already ended: {}", childId, e.getMessage());
                }
            });
        }
    }

    private void report(TaskResult result) {
        try {
            executions.updateTask(result);
        } catch (ExecutionRejected e) {
            log.debug("SUB_WORKFLOW task {} of workflow {} already ended: {}", result.taskId(),
                    result.workflowInstanceId(), e.getMessage());
        }
    }

    private static Integer version(Object value) {
        if (value instanceof Number number) {
            return number.intValue();
        }
        if (value instanceof String text && !text.isBlank()) {
            return Integer.valueOf(text.trim());
        }
        return null;
    }
}
