package io.upgrader.execution;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The executions as the upgrade core reads and rewrites them: reads by id, and writes that hold only if the
 * execution is still at the revision it was planned from and the command is not applied to it yet. Owned by the
 * core (it lives here rather than in upgrade/ because the execution package must not depend on upgrade/, which
 * uses it); {@code mongo.execution.ExecutionStore} is the MongoDB implementation.
 */
public interface UpgradableExecutions {

    Optional<Workflow> find(String workflowId);

    /** The executions found among these ids, by workflowId; missing ones are absent from the map. */
    default Map<String, Workflow> findAll(Collection<String> workflowIds) {
        return findWithin(workflowIds, Long.MAX_VALUE).found();
    }

    /**
     * The executions found among these ids, read until their stored documents reach {@code byteBudget} bytes (at
     * least one is read): the memory an apply holds follows the budget, not the size of the executions.
     *
     * @return the executions read, and the ids the budget left unread (to ask for again; an id in neither does
     *         not exist)
     */
    Reading findWithin(Collection<String> workflowIds, long byteBudget);

    /**
     * @param found  the executions read, by workflowId
     * @param unread the ids not reached within the budget; they may or may not exist
     */
    record Reading(Map<String, Workflow> found, Set<String> unread) {
    }

    /** The execution whose upgradeHistory holds this command, if any. */
    Optional<Workflow> findByAppliedCommand(String commandId);

    /**
     * Stores an upgraded execution if nobody changed it since {@code before} was read and the command is not
     * applied yet.
     *
     * @return false on a conflict: read again and re-plan
     */
    boolean updateUpgraded(Workflow before, Workflow upgraded, String commandId);

    /**
     * {@link #updateUpgraded} for many executions at once; each write keeps its own conditions, so a conflict on
     * one does not fail the others.
     *
     * @return the commandIds now applied; the others met a conflict and must be planned again
     */
    Set<String> updateAllUpgraded(List<UpgradeWrite> writes);

    /** One upgraded execution to store, with the stored execution it was computed from. */
    record UpgradeWrite(Workflow before, Workflow upgraded, String commandId) {
    }
}
