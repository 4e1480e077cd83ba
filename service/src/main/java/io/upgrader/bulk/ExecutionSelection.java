package io.upgrader.bulk;

import io.upgrader.execution.WorkflowStatus;

import java.util.Collection;
import java.util.List;

/**
 * The executions a bulk upgrade selects, walked a page at a time in workflowId order, resumable from the last id
 * reached; {@code mongo.execution.ExecutionStore} is the MongoDB implementation.
 */
public interface ExecutionSelection {

    /**
     * A page of the ids of a definition's executions in these versions (empty: any), statuses and, if given,
     * among these ids, in id order after {@code afterId} (null: from the start).
     */
    List<String> selectIds(String name, Collection<Integer> versions, Collection<WorkflowStatus> statuses,
                           Collection<String> workflowIds, String afterId, int limit);
}
