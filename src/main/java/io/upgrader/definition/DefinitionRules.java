package io.upgrader.definition;

import io.upgrader.mongo.StorableValues;
import io.upgrader.web.ErrorBody.ValidationError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What a definition must satisfy before it is stored: upgrades locate tasks by a unique taskReferenceName. */
public final class DefinitionRules {

    private DefinitionRules() {
    }

    public static List<ValidationError> check(WorkflowDef definition) {
        List<ValidationError> errors = new ArrayList<>();
        if (definition.name() == null || definition.name().isBlank()) {
            errors.add(new ValidationError("name", "name is required"));
        }
        if (definition.version() != null && definition.version() < 1) {
            errors.add(new ValidationError("version", "version must be at least 1"));
        }
        if (definition.tasks().isEmpty()) {
            errors.add(new ValidationError("tasks", "a workflow definition needs at least one task"));
        }
        Set<String> refs = new HashSet<>();
        for (int i = 0; i < definition.tasks().size(); i++) {
            WorkflowTask task = definition.tasks().get(i);
            String path = "tasks[" + i + "]";
            if (task == null) {
                errors.add(new ValidationError(path, "task must not be null"));
                continue;
            }
            if (task.name() == null || task.name().isBlank()) {
                errors.add(new ValidationError(path + ".name", "task name is required"));
            }
            if (TaskType.of(task.type()).isEmpty()) {
                errors.add(new ValidationError(path + ".type", "task " + task.taskReferenceName() + " has type "
                        + task.type() + ", which this runtime does not run; supported: "
                        + java.util.Arrays.toString(TaskType.values())));
            }
            if (task.taskReferenceName() == null || task.taskReferenceName().isBlank()) {
                errors.add(new ValidationError(path + ".taskReferenceName", "taskReferenceName is required"));
            } else if (!refs.add(task.taskReferenceName())) {
                errors.add(new ValidationError(path + ".taskReferenceName",
                        "taskReferenceName " + task.taskReferenceName() + " is used twice"));
            }
        }
        StorableValues.check("outputParameters", definition.outputParameters())
                .ifPresent(p -> errors.add(new ValidationError(p.path(), p.path() + " " + p.message())));
        for (int i = 0; i < definition.tasks().size(); i++) {
            WorkflowTask task = definition.tasks().get(i);
            if (task != null) {
                StorableValues.check("tasks[" + i + "].inputParameters", task.inputParameters())
                        .ifPresent(p -> errors.add(new ValidationError(p.path(), p.path() + " " + p.message())));
            }
        }
        return errors;
    }
}
