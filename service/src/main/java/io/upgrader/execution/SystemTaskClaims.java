package io.upgrader.execution;

import java.util.List;

/**
 * The work of the server's own system task workers (HTTP, SUB_WORKFLOW, WAIT) as the stored executions hold it:
 * found by the {@link SystemTaskSweep}, and each task claimed by one conditional write so that of all instances
 * and threads only one runs it. {@code mongo.execution.ExecutionStore} is the MongoDB implementation.
 */
public interface SystemTaskClaims {

    /**
     * RUNNING executions with work for the server's own workers: a SCHEDULED HTTP or SUB_WORKFLOW task, or an
     * IN_PROGRESS WAIT whose waitTimeout has come; at most {@code limit} of them.
     */
    List<Workflow> findWithServerWork(long now, int limit);

    /**
     * Hands one SCHEDULED task of a RUNNING execution to the server's own worker, IN_PROGRESS; moves the
     * execution's revision on.
     *
     * @return false when the task is no longer SCHEDULED or the execution no longer RUNNING
     */
    boolean claimTask(String workflowId, String taskId, String workerId, long now);
}
