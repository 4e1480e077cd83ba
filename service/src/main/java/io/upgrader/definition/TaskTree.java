package io.upgrader.definition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds tasks anywhere in a definition's tree (switch cases, fork branches, loop bodies), with the path of
 * sequences that leads to them: what upgrades need to tell "before" from "parallel to" a running task.
 */
public final class TaskTree {

    private TaskTree() {
    }

    /**
     * One level of the way down to a task: the sequence that holds the next step, the step's index in it, and
     * the task that owns the sequence (null at the top level) with which of its sequences this is.
     */
    public record Level(WorkflowTask owner, String branch, List<WorkflowTask> sequence, int index) {

        public WorkflowTask step() {
            return sequence.get(index);
        }

        /** Whether this and the other level are the same sequence of the same owner. */
        public boolean sameSequence(Level other) {
            return owner == other.owner && branch.equals(other.branch);
        }
    }

    /** The levels from the top-level tasks down to the task with this reference name. */
    public static Optional<List<Level>> locate(List<WorkflowTask> tasks, String taskReferenceName) {
        List<Level> path = new ArrayList<>();
        return search(null, "tasks", tasks, taskReferenceName, path) ? Optional.of(List.copyOf(path)) : Optional.empty();
    }

    public static Optional<WorkflowTask> find(List<WorkflowTask> tasks, String taskReferenceName) {
        return locate(tasks, taskReferenceName).map(path -> path.get(path.size() - 1).step());
    }

    /** Every task of the tree, parents before their children. */
    public static List<WorkflowTask> all(List<WorkflowTask> tasks) {
        List<WorkflowTask> all = new ArrayList<>();
        collect(tasks, all);
        return all;
    }

    /** Whether the task sits in a DO_WHILE's body, at any depth. */
    public static boolean insideLoop(List<Level> path) {
        return path.stream().anyMatch(level -> level.owner() != null && level.owner().isType(TaskType.DO_WHILE));
    }

    /** A path as a person reads it: {@code tasks[2].forkTasks[1][0]}. */
    public static String describe(List<Level> path) {
        StringBuilder text = new StringBuilder();
        for (Level level : path) {
            text.append(text.isEmpty() ? "" : ".").append(level.branch()).append('[').append(level.index()).append(']');
        }
        return text.toString();
    }

    private static boolean search(WorkflowTask owner, String branch, List<WorkflowTask> sequence, String ref,
                                  List<Level> path) {
        for (int i = 0; i < sequence.size(); i++) {
            WorkflowTask task = sequence.get(i);
            path.add(new Level(owner, branch, sequence, i));
            if (ref.equals(task.taskReferenceName())) {
                return true;
            }
            for (Map.Entry<String, List<WorkflowTask>> child : branches(task)) {
                if (search(task, child.getKey(), child.getValue(), ref, path)) {
                    return true;
                }
            }
            path.remove(path.size() - 1);
        }
        return false;
    }

    /** The nested sequences of a task, each named as in the definition's JSON. */
    public static List<Map.Entry<String, List<WorkflowTask>>> branches(WorkflowTask task) {
        List<Map.Entry<String, List<WorkflowTask>>> branches = new ArrayList<>();
        if (task.decisionCases() != null) {
            task.decisionCases().forEach((name, tasks) -> branches.add(Map.entry("decisionCases." + name, tasks)));
        }
        if (task.defaultCase() != null) {
            branches.add(Map.entry("defaultCase", task.defaultCase()));
        }
        if (task.forkTasks() != null) {
            for (int i = 0; i < task.forkTasks().size(); i++) {
                branches.add(Map.entry("forkTasks[" + i + "]", task.forkTasks().get(i)));
            }
        }
        if (task.loopOver() != null) {
            branches.add(Map.entry("loopOver", task.loopOver()));
        }
        return branches;
    }

    private static void collect(List<WorkflowTask> tasks, List<WorkflowTask> all) {
        for (WorkflowTask task : tasks) {
            all.add(task);
            task.children().forEach(child -> collect(child, all));
        }
    }
}
