package io.upgrader.upgrade;

import io.upgrader.execution.UpgradableExecutions;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import org.springframework.stereotype.Component;

import java.util.Optional;

/**
 * Where a command stands. An applied upgrade is recorded once, in the execution's upgradeHistory, with the
 * same write that applies it; its status is read from there rather than written a second time.
 */
@Component
public class UpgradeStatuses {

    private final UpgradeStatusRecords statuses;
    private final UpgradableExecutions executions;

    public UpgradeStatuses(UpgradeStatusRecords statuses, UpgradableExecutions executions) {
        this.statuses = statuses;
        this.executions = executions;
    }

    public Optional<UpgradeStatus> find(String commandId) {
        Optional<UpgradeStatus> recorded = statuses.find(commandId);
        if (recorded.isPresent() && recorded.get().status().isFinal()) {
            return recorded;
        }
        Optional<Workflow> holder = recorded.isPresent()
                ? executions.find(recorded.get().workflowId()).filter(w -> w.upgradeApplied(commandId).isPresent())
                : executions.findByAppliedCommand(commandId);
        if (holder.isEmpty()) {
            return recorded;
        }
        Workflow workflow = holder.get();
        UpgradeHistoryEntry entry = workflow.upgradeApplied(commandId).orElseThrow();
        return Optional.of(new UpgradeStatus(commandId, workflow.workflowId(), workflow.workflowName(),
                UpgradeStatus.State.APPLIED, null, entry.fromVersion(), entry.toVersion(), entry.skippedTasks(),
                recorded.map(UpgradeStatus::acceptedAt).orElse(entry.appliedAt()), entry.appliedAt(), null));
    }
}
