package io.upgrader.upgrade;

import io.upgrader.execution.UpgradableExecutions;
import io.upgrader.execution.Workflow;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * {@link UpgradableExecutions} in a map, with the store's conditions: a write holds only at the revision it was
 * planned from and while the command is not in the upgradeHistory, and moves the revision on. A test can make
 * another writer change an execution between the applier's read and its next write ({@link #beforeNextWrite}).
 */
final class InMemoryExecutions implements UpgradableExecutions {

    private final Map<String, Workflow> stored = new LinkedHashMap<>();
    private final List<Runnable> beforeNextWrite = new ArrayList<>();
    /** Each write the applier attempted, in order: "bulk:" or "single:" + workflowId@revision read + held|conflict. */
    final List<String> writes = new ArrayList<>();
    /** The workflowIds of each budgeted read, in order. */
    final List<List<String>> reads = new ArrayList<>();
    /** What an execution weighs against a read budget; by default nothing, so that every read takes all. */
    ToLongFunction<Workflow> storedBytes = workflow -> 0;

    void insert(Workflow workflow) {
        stored.put(workflow.workflowId(), workflow);
    }

    Workflow get(String workflowId) {
        return stored.get(workflowId);
    }

    /** Another writer's change, as the decider would store it: on the current state, one revision on. */
    void concurrentChange(String workflowId, UnaryOperator<Workflow> change) {
        Workflow current = stored.get(workflowId);
        stored.put(workflowId, change.apply(current).withRevision(current.revision() + 1));
    }

    /** Runs {@code change} once, just before the next write (single or bulk) is checked against the store. */
    void beforeNextWrite(Runnable change) {
        beforeNextWrite.add(change);
    }

    @Override
    public Optional<Workflow> find(String workflowId) {
        return Optional.ofNullable(stored.get(workflowId));
    }

    /**
     * As the store does: reads in the order asked until the stored bytes reach the budget, at least one; an
     * execution's stored size is {@link #storedBytes}.
     */
    @Override
    public Reading findWithin(Collection<String> workflowIds, long byteBudget) {
        Map<String, Workflow> found = new LinkedHashMap<>();
        Set<String> unread = new LinkedHashSet<>();
        long bytes = 0;
        for (String id : workflowIds) {
            if (!found.isEmpty() && bytes >= byteBudget) {
                unread.add(id);
            } else if (stored.containsKey(id)) {
                found.put(id, stored.get(id));
                bytes += storedBytes.applyAsLong(stored.get(id));
            }
        }
        reads.add(List.copyOf(found.keySet()));
        return new Reading(found, unread);
    }

    @Override
    public Optional<Workflow> findByAppliedCommand(String commandId) {
        return stored.values().stream().filter(w -> w.upgradeApplied(commandId).isPresent()).findFirst();
    }

    @Override
    public boolean updateUpgraded(Workflow before, Workflow upgraded, String commandId) {
        runConcurrentChanges();
        return write("single", before, upgraded, commandId);
    }

    @Override
    public Set<String> updateAllUpgraded(List<UpgradeWrite> batch) {
        runConcurrentChanges();
        Set<String> applied = new HashSet<>();
        for (UpgradeWrite write : batch) {
            if (write("bulk", write.before(), write.upgraded(), write.commandId())) {
                applied.add(write.commandId());
            }
        }
        return applied;
    }

    private void runConcurrentChanges() {
        List<Runnable> changes = List.copyOf(beforeNextWrite);
        beforeNextWrite.clear();
        changes.forEach(Runnable::run);
    }

    private boolean write(String kind, Workflow before, Workflow upgraded, String commandId) {
        Workflow current = stored.get(before.workflowId());
        boolean holds = current != null && current.revision() == before.revision()
                && current.upgradeApplied(commandId).isEmpty();
        writes.add(kind + ":" + before.workflowId() + "@" + before.revision() + (holds ? " held" : " conflict"));
        if (holds) {
            stored.put(before.workflowId(), upgraded.withRevision(before.revision() + 1));
        }
        return holds;
    }
}
