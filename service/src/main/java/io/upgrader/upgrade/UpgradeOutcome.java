package io.upgrader.upgrade;

import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;

import java.util.List;

/** What the planner decided for one command against one state of an execution. */
public sealed interface UpgradeOutcome {

    /**
     * The execution as it must be stored; {@code entry} is also its newest upgradeHistory entry; {@code changes}
     * says what the upgrade records, starts and keeps (what a dry run shows).
     */
    record Upgraded(Workflow workflow, UpgradeHistoryEntry entry, Changes changes) implements UpgradeOutcome {

        public Upgraded(Workflow workflow, UpgradeHistoryEntry entry) {
            this(workflow, entry, Changes.NONE);
        }
    }

    /**
     * @param kept    the running tasks, under their reference names in the target version
     * @param skipped the tasks recorded as SKIPPED, with where they sit in the target definition
     * @param started the tasks scheduled because the target puts them parallel to the running ones
     */
    record Changes(List<String> kept, List<SkippedTask> skipped, List<String> started) {
        public static final Changes NONE = new Changes(List.of(), List.of(), List.of());
    }

    /** A task recorded as SKIPPED: its record's reference name, its type, and its path in the target. */
    record SkippedTask(String taskReferenceName, String type, String path) {
    }

    /** The execution already runs the requested version: success, nothing to change. */
    record Unchanged(Workflow workflow) implements UpgradeOutcome {
    }

    record Rejected(Rejection rejection) implements UpgradeOutcome {
    }
}
