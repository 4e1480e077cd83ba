package io.upgrader.definition;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A versioned workflow definition, as Conductor's WorkflowDef (the fields this service uses). */
public record WorkflowDef(
        String name,
        Integer version,
        String description,
        List<WorkflowTask> tasks,
        List<String> inputParameters,
        Map<String, Object> outputParameters,
        Long createTime,
        Long updateTime) {

    public WorkflowDef {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        inputParameters = inputParameters == null ? List.of() : inputParameters;
        outputParameters = outputParameters == null ? Map.of() : outputParameters;
    }

    /** Position of the top-level task with this reference name, or -1. */
    public int indexOf(String taskReferenceName) {
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i).taskReferenceName().equals(taskReferenceName)) {
                return i;
            }
        }
        return -1;
    }

    /** The task with this reference name, at any depth (switch cases, fork branches, loop bodies). */
    public Optional<WorkflowTask> task(String taskReferenceName) {
        return TaskTree.find(tasks, taskReferenceName);
    }

    public WorkflowDef withVersion(int newVersion) {
        return new WorkflowDef(name, newVersion, description, tasks, inputParameters, outputParameters, createTime,
                updateTime);
    }

    public WorkflowDef withTimestamps(long createTime, long updateTime) {
        return new WorkflowDef(name, version, description, tasks, inputParameters, outputParameters, createTime, updateTime);
    }
}
