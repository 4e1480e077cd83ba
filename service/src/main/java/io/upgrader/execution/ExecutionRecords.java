package io.upgrader.execution;

import java.util.List;
import java.util.Optional;

/**
 * The stored executions, as their lifecycle ({@link Executions}) reads and writes them: each change is one
 * conditional write on the revision it was computed from, so concurrent writers never lose each other's changes.
 * {@code mongo.execution.ExecutionStore} is the MongoDB implementation.
 */
public interface ExecutionRecords {

    void insert(Workflow workflow);

    /** @return false when an execution with this workflowId exists already */
    boolean insertIfAbsent(Workflow workflow);

    Optional<Workflow> find(String workflowId);

    /** The execution that holds this task, if any. */
    Optional<Workflow> findByTaskId(String taskId);

    /**
     * Stores {@code updated}, computed from {@code before}, if nobody changed the execution since.
     *
     * @return false on a conflict: re-read
     */
    boolean update(Workflow before, Workflow updated);

    boolean delete(String workflowId);

    /** Ids of the executions of a definition still under way (RUNNING or PAUSED, as Conductor's "pending"). */
    List<String> runningIds(String name, Integer version);

    /**
     * Hands one SCHEDULED task of this type, due by {@code now}, from a RUNNING execution to a worker, marked
     * IN_PROGRESS: concurrent pollers never get the same task. Moves the execution's revision on.
     */
    Optional<Task> claimScheduled(String taskType, String workerId, long now);
}
