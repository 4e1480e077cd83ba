package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.error.DomainException;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The lifecycle of executions: each change is computed by the pure {@link Decider} from the state just read
 * and stored with a revision-checked replace, re-read and recomputed on conflict, the same way upgrades are
 * applied; so task updates, polls and upgrades of one execution never lose each other's writes.
 */
@Component
public class Executions {

    private static final Supplier<String> TASK_IDS = () -> UUID.randomUUID().toString();

    private final ExecutionRecords store;
    private final Clock clock;
    private final int maxAttempts;
    private final ExecutionChanges changes;
    private final SystemTasks limits;

    public Executions(ExecutionRecords store, Clock clock,
                      ApplyProperties apply, ExecutionChanges changes,
                      SystemTaskProperties systemTasks) {
        this.store = store;
        this.clock = clock;
        this.maxAttempts = apply.maxConflictRetries();
        this.changes = changes;
        this.limits = systemTasks.limits();
    }

    /** Thrown when an execution kept changing under every attempt; the caller may retry. */
    public static class ConcurrentChangeException extends DomainException {
        public ConcurrentChangeException(String message) {
            super(Kind.CONCURRENT_CHANGE, message);
        }
    }

    public Workflow start(WorkflowDef definition, Map<String, Object> input, String correlationId) {
        Workflow started = Decider.start(UUID.randomUUID().toString(), definition, input, correlationId,
                clock.millis(), TASK_IDS, limits);
        store.insert(started);
        changes.stored(started);
        return started;
    }

    /**
     * Starts the child execution of a parent's SUB_WORKFLOW task under the given id.
     *
     * @return empty when an execution with this id exists already (an earlier attempt started it)
     */
    public Optional<Workflow> startChild(String workflowId, WorkflowDef definition, Map<String, Object> input,
                                         String correlationId, String parentWorkflowId, String parentTaskId) {
        Workflow started = Decider.start(workflowId, definition, input, correlationId, clock.millis(), TASK_IDS,
                        limits).asChildOf(parentWorkflowId, parentTaskId);
        if (!store.insertIfAbsent(started)) {
            return Optional.empty();
        }
        changes.stored(started);
        return Optional.of(started);
    }

    /** Records that a SUB_WORKFLOW task's child now exists; a task no longer SCHEDULED is left as it is. */
    public Workflow subWorkflowStarted(String workflowId, String taskId, String childWorkflowId) {
        return change(workflowId, workflow -> Decider.subWorkflowStarted(workflow, taskId, childWorkflowId,
                clock.millis()));
    }

    public Optional<Workflow> find(String workflowId) {
        return store.find(workflowId);
    }

    public Workflow pause(String workflowId) {
        return change(workflowId, workflow -> Decider.pause(workflow, clock.millis()));
    }

    public Workflow resume(String workflowId) {
        return change(workflowId, workflow -> Decider.resume(workflow, clock.millis(), TASK_IDS, limits));
    }

    public Workflow terminate(String workflowId, String reason) {
        return change(workflowId, workflow -> Decider.terminate(workflow, reason, clock.millis()));
    }

    public Workflow updateTask(TaskResult result) {
        String workflowId = result.workflowInstanceId() != null ? result.workflowInstanceId()
                : store.findByTaskId(result.taskId()).map(Workflow::workflowId).orElseThrow(() -> notFound(result));
        return change(workflowId, workflow -> Decider.onTaskResult(workflow, result, clock.millis(), TASK_IDS,
                limits));
    }

    public Optional<Task> findTask(String taskId) {
        return store.findByTaskId(taskId).flatMap(workflow -> workflow.task(taskId));
    }

    /** Up to {@code count} SCHEDULED tasks of the type, each handed to this worker alone. */
    public List<Task> poll(String taskType, String workerId, int count) {
        List<Task> claimed = new ArrayList<>();
        while (claimed.size() < count) {
            Optional<Task> task = store.claimScheduled(taskType, workerId, clock.millis());
            if (task.isEmpty()) {
                break;
            }
            claimed.add(task.get());
        }
        return claimed;
    }

    public List<String> runningIds(String name, Integer version) {
        return store.runningIds(name, version);
    }

    public boolean remove(String workflowId) {
        return store.delete(workflowId);
    }

    /** Records a task of the definition that has not run yet as SKIPPED with this input and output. */
    public Workflow skipTask(String workflowId, String taskReferenceName, Map<String, Object> input,
                             Map<String, Object> output) {
        return change(workflowId, workflow -> Decider.skipTask(workflow, taskReferenceName, input, output,
                clock.millis(), TASK_IDS));
    }

    private Workflow change(String workflowId, UnaryOperator<Workflow> step) {
        for (int attempt = 0; attempt < maxAttempts; attempt++) {
            Workflow current = store.find(workflowId).orElseThrow(() -> new ExecutionRejected(
                    ExecutionRejected.Reason.WORKFLOW_NOT_FOUND, "Workflow " + workflowId + " not found"));
            Workflow next = step.apply(current);
            if (next == current) {
                return next;
            }
            if (store.update(current, next)) {
                changes.stored(next.withRevision(current.revision() + 1));
                return next;
            }
        }
        throw new ConcurrentChangeException("Workflow " + workflowId + " kept changing during " + maxAttempts
                + " attempts; retry");
    }

    private static ExecutionRejected notFound(TaskResult result) {
        return new ExecutionRejected(ExecutionRejected.Reason.TASK_NOT_FOUND, "Task " + result.taskId() + " not found");
    }
}
