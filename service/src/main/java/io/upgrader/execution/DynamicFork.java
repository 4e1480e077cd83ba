package io.upgrader.execution;

import io.upgrader.definition.TaskTree;
import io.upgrader.definition.TaskType;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The branches of a FORK_JOIN_DYNAMIC: the tasks its {@code dynamicForkTasksParam} input names, each with the
 * input its {@code dynamicForkTasksInputParamName} map gives it. They are kept on the fork's record
 * ({@code forkedTaskDefs}), so later decisions, and upgrades, see the same branches.
 */
final class DynamicFork {

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private DynamicFork() {
    }

    /** @throws IllegalArgumentException naming what is wrong with the given tasks, which fails the fork */
    static List<WorkflowTask> branches(WorkflowTask fork, Map<String, Object> input, WorkflowDef definition,
                                       Set<String> recordedReferences) {
        Object tasks = input.get(fork.dynamicForkTasksParam());
        if (!(tasks instanceof List<?> list)) {
            throw new IllegalArgumentException("input " + fork.dynamicForkTasksParam() + " must be a list of tasks");
        }
        Object inputs = input.get(fork.dynamicForkTasksInputParamName());
        Map<?, ?> inputsByRef = inputs instanceof Map<?, ?> map ? map : Map.of();
        Set<String> taken = new HashSet<>(recordedReferences);
        TaskTree.all(definition.tasks()).forEach(task -> taken.add(task.taskReferenceName()));
        List<WorkflowTask> branches = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            WorkflowTask task = toTask(list.get(i), fork, i);
            if (!taken.add(task.taskReferenceName())) {
                throw new IllegalArgumentException("dynamic task " + task.taskReferenceName()
                        + " has a taskReferenceName already used in the workflow");
            }
            Object taskInput = inputsByRef.get(task.taskReferenceName());
            branches.add(taskInput instanceof Map<?, ?> given ? task.withInputParameters(asMap(given)) : task);
        }
        return branches;
    }

    /** The branches recorded on a fork's record. */
    static List<WorkflowTask> recorded(Task fork) {
        if (!(fork.inputData().get("forkedTaskDefs") instanceof List<?> defs)) {
            return List.of();
        }
        return defs.stream().map(def -> JSON.convertValue(def, WorkflowTask.class)).toList();
    }

    static List<Map<String, Object>> describe(List<WorkflowTask> tasks) {
        return tasks.stream().map(task -> JSON.convertValue(task, MAP)).toList();
    }

    private static WorkflowTask toTask(Object value, WorkflowTask fork, int index) {
        String where = fork.dynamicForkTasksParam() + "[" + index + "]";
        WorkflowTask task;
        try {
            task = JSON.convertValue(value, WorkflowTask.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + " is not a task");
        }
        if (task == null || task.taskReferenceName() == null || task.taskReferenceName().isBlank()
                || task.name() == null || task.name().isBlank()) {
            throw new IllegalArgumentException(where + " needs a name and a taskReferenceName");
        }
        TaskType type = TaskType.of(task.type()).orElseThrow(() -> new IllegalArgumentException(
                where + " has type " + task.type() + ", which this runtime does not run"));
        if (!task.children().isEmpty() || type == TaskType.JOIN || type == TaskType.FORK_JOIN_DYNAMIC) {
            throw new IllegalArgumentException(where + " is a " + type + "; a dynamic fork runs tasks without nested "
                    + "tasks");
        }
        return task;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }
}
