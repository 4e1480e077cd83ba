package io.upgrader.upgrade;

import io.upgrader.definition.TaskTree;
import io.upgrader.definition.TaskType;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.Task;
import io.upgrader.execution.Workflow;

import java.util.List;
import java.util.Optional;

/**
 * Where running tasks may land in the target: a task keeps its loop (it neither moves into nor out of a
 * DO_WHILE), and tasks that run in parallel stay in different branches of one fork, since the runtime cannot
 * run two tasks of one sequence, or of two cases of one switch, at once.
 */
final class StructureCheck {

    private StructureCheck() {
    }

    /** Why the running tasks cannot take these places, or empty when they can. */
    static Optional<String> problem(Workflow current, List<UpgradePlanner.Placed> placed, int version) {
        for (UpgradePlanner.Placed p : placed) {
            Optional<String> loop = loopProblem(current, p, version);
            if (loop.isPresent()) {
                return loop;
            }
        }
        for (int i = 0; i < placed.size(); i++) {
            for (int j = i + 1; j < placed.size(); j++) {
                Optional<String> parallel = parallelProblem(placed.get(i), placed.get(j), version);
                if (parallel.isPresent()) {
                    return parallel;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> loopProblem(Workflow current, UpgradePlanner.Placed p, int version) {
        Optional<WorkflowTask> loop = p.path().stream().map(TaskTree.Level::owner)
                .filter(owner -> owner != null && owner.isType(TaskType.DO_WHILE)).findFirst();
        String ref = p.task().referenceTaskName();
        if (p.task().iteration() > 0 && loop.isEmpty()) {
            return Optional.of("task " + ref + " runs in iteration " + p.task().iteration() + " of a loop and would "
                    + "move out of it in version " + version);
        }
        if (p.task().iteration() == 0 && loop.isPresent()) {
            return Optional.of("task " + ref + " would move into loop " + loop.get().taskReferenceName()
                    + " in version " + version);
        }
        if (loop.isPresent()) {
            Optional<Task> record = current.taskByReference(loop.get().taskReferenceName());
            if (record.isEmpty() || !record.get().status().isRunning()
                    || record.get().iteration() != p.task().iteration()) {
                return Optional.of("task " + ref + " would move into loop " + loop.get().taskReferenceName()
                        + " in version " + version + ", which is not the loop it runs in");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> parallelProblem(UpgradePlanner.Placed a, UpgradePlanner.Placed b, int version) {
        List<TaskTree.Level> pa = a.path();
        List<TaskTree.Level> pb = b.path();
        int k = 0;
        while (k < pa.size() && k < pb.size() && pa.get(k).sameSequence(pb.get(k))
                && pa.get(k).index() == pb.get(k).index()) {
            k++;
        }
        String names = "running tasks " + a.task().referenceTaskName() + " and " + b.task().referenceTaskName();
        if (k == pa.size() || k == pb.size()) {
            return Optional.of(names + " would take the same place in version " + version);
        }
        if (pa.get(k).sameSequence(pb.get(k))) {
            return Optional.of(names + " would be in one sequence of version " + version
                    + ", one after the other, no longer parallel");
        }
        WorkflowTask owner = pa.get(k).owner();
        if (!owner.isType(TaskType.FORK_JOIN)) {
            return Optional.of(names + " would be in different cases of " + owner.type() + " "
                    + owner.taskReferenceName() + " in version " + version + ", of which only one runs");
        }
        return Optional.empty();
    }
}
