package io.upgrader.definition;

import io.upgrader.error.FieldError;
import io.upgrader.input.StorableValues;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a definition must satisfy before it is stored. Upgrades locate tasks by a taskReferenceName unique in
 * the whole tree; each nested task type needs what the runtime reads of it. Errors name the path, as
 * {@code tasks[2].forkTasks[1][0].name}.
 */
public final class DefinitionRules {

    private static final Set<String> EVALUATORS = Set.of("value-param", "javascript", "graaljs");

    private DefinitionRules() {
    }

    public static List<FieldError> check(WorkflowDef definition) {
        List<FieldError> errors = new ArrayList<>();
        if (definition.name() == null || definition.name().isBlank()) {
            errors.add(new FieldError("name", "name is required"));
        }
        if (definition.version() != null && definition.version() < 1) {
            errors.add(new FieldError("version", "version must be at least 1"));
        }
        if (definition.tasks().isEmpty()) {
            errors.add(new FieldError("tasks", "a workflow definition needs at least one task"));
        }
        sequence(definition.tasks(), "tasks", false, new HashSet<>(), errors);
        StorableValues.check("outputParameters", definition.outputParameters())
                .ifPresent(p -> errors.add(new FieldError(p.path(), p.path() + " " + p.message())));
        return errors;
    }

    private static void sequence(List<WorkflowTask> tasks, String path, boolean inLoop, Set<String> refs,
                                 List<FieldError> errors) {
        for (int i = 0; i < tasks.size(); i++) {
            String at = path + "[" + i + "]";
            WorkflowTask task = tasks.get(i);
            if (task == null) {
                errors.add(new FieldError(at, "task must not be null"));
                continue;
            }
            task(task, at, inLoop, refs, errors);
            if (isFork(task) && (i + 1 >= tasks.size() || tasks.get(i + 1) == null
                    || !tasks.get(i + 1).isType(TaskType.JOIN))) {
                errors.add(new FieldError(at, "task " + task.taskReferenceName() + " is a " + task.type()
                        + " and must be followed by a JOIN in the same list"));
            }
        }
    }

    private static void task(WorkflowTask task, String at, boolean inLoop, Set<String> refs,
                             List<FieldError> errors) {
        String ref = task.taskReferenceName();
        if (task.name() == null || task.name().isBlank()) {
            errors.add(new FieldError(at + ".name", "task name is required"));
        }
        if (ref == null || ref.isBlank()) {
            errors.add(new FieldError(at + ".taskReferenceName", "taskReferenceName is required"));
        } else if (!refs.add(ref)) {
            errors.add(new FieldError(at + ".taskReferenceName",
                    "taskReferenceName " + ref + " is used twice; it must be unique in the whole definition"));
        } else if (ref.matches(".*__\\d+")) {
            errors.add(new FieldError(at + ".taskReferenceName", "taskReferenceName " + ref
                    + " ends like a loop iteration (__N), which the runtime appends itself"));
        }
        StorableValues.check(at + ".inputParameters", task.inputParameters())
                .ifPresent(p -> errors.add(new FieldError(p.path(), p.path() + " " + p.message())));
        TaskType type = TaskType.of(task.type()).orElse(null);
        if (type == null) {
            errors.add(new FieldError(at + ".type", "task " + ref + " has type " + task.type()
                    + ", which this runtime does not run; supported: " + Arrays.toString(TaskType.values())));
            return;
        }
        switch (type) {
            case SWITCH -> switchTask(task, at, inLoop, refs, errors);
            case DECISION -> decisionTask(task, at, inLoop, refs, errors);
            case FORK_JOIN -> forkTask(task, at, inLoop, refs, errors);
            case FORK_JOIN_DYNAMIC -> {
                require(task.dynamicForkTasksParam(), at + ".dynamicForkTasksParam", ref, errors);
                require(task.dynamicForkTasksInputParamName(), at + ".dynamicForkTasksInputParamName", ref, errors);
            }
            case DO_WHILE -> loopTask(task, at, inLoop, refs, errors);
            case SUB_WORKFLOW -> {
                if (task.subWorkflowParam() == null) {
                    errors.add(new FieldError(at + ".subWorkflowParam", "task " + ref
                            + " is a SUB_WORKFLOW and needs subWorkflowParam {name, version}"));
                } else {
                    require(task.subWorkflowParam().name(), at + ".subWorkflowParam.name", ref, errors);
                }
            }
            case INLINE -> require(text(task.inputParameters().get("expression")), at + ".inputParameters.expression",
                    ref, errors);
            case JSON_JQ_TRANSFORM -> require(text(task.inputParameters().get("queryExpression")),
                    at + ".inputParameters.queryExpression", ref, errors);
            default -> {
                // Leaf tasks need nothing beyond a name and a reference.
            }
        }
        if (!type.isContainer() && type != TaskType.SWITCH && type != TaskType.DECISION && !task.children().isEmpty()) {
            errors.add(new FieldError(at, "task " + ref + " is a " + type
                    + " and cannot hold decisionCases, defaultCase, forkTasks or loopOver"));
        }
    }

    private static void switchTask(WorkflowTask task, String at, boolean inLoop, Set<String> refs,
                                   List<FieldError> errors) {
        String evaluator = task.evaluatorType() == null ? "value-param" : task.evaluatorType();
        if (!EVALUATORS.contains(evaluator)) {
            errors.add(new FieldError(at + ".evaluatorType", "task " + task.taskReferenceName()
                    + " has evaluatorType " + evaluator + "; supported: value-param, javascript, graaljs"));
        }
        require(task.expression(), at + ".expression", task.taskReferenceName(), errors);
        cases(task, at, inLoop, refs, errors);
    }

    private static void decisionTask(WorkflowTask task, String at, boolean inLoop, Set<String> refs,
                                     List<FieldError> errors) {
        if (blank(task.caseValueParam()) && blank(task.caseExpression())) {
            errors.add(new FieldError(at + ".caseValueParam", "task " + task.taskReferenceName()
                    + " is a DECISION and needs caseValueParam or caseExpression"));
        }
        cases(task, at, inLoop, refs, errors);
    }

    private static void cases(WorkflowTask task, String at, boolean inLoop, Set<String> refs,
                              List<FieldError> errors) {
        if (task.decisionCases() != null) {
            for (Map.Entry<String, List<WorkflowTask>> entry : task.decisionCases().entrySet()) {
                sequence(entry.getValue() == null ? List.of() : entry.getValue(),
                        at + ".decisionCases." + entry.getKey(), inLoop, refs, errors);
            }
        }
        if (task.defaultCase() != null) {
            sequence(task.defaultCase(), at + ".defaultCase", inLoop, refs, errors);
        }
    }

    private static void forkTask(WorkflowTask task, String at, boolean inLoop, Set<String> refs,
                                 List<FieldError> errors) {
        if (task.forkTasks() == null || task.forkTasks().isEmpty()) {
            errors.add(new FieldError(at + ".forkTasks", "task " + task.taskReferenceName()
                    + " is a FORK_JOIN and needs forkTasks, a list of branches (each a list of tasks)"));
            return;
        }
        for (int b = 0; b < task.forkTasks().size(); b++) {
            List<WorkflowTask> branch = task.forkTasks().get(b);
            if (branch == null || branch.isEmpty()) {
                errors.add(new FieldError(at + ".forkTasks[" + b + "]", "branch " + b + " of "
                        + task.taskReferenceName() + " must be a non-empty list of tasks"));
                continue;
            }
            sequence(branch, at + ".forkTasks[" + b + "]", inLoop, refs, errors);
        }
    }

    private static void loopTask(WorkflowTask task, String at, boolean inLoop, Set<String> refs,
                                 List<FieldError> errors) {
        if (inLoop) {
            errors.add(new FieldError(at, "task " + task.taskReferenceName()
                    + " is a DO_WHILE inside another DO_WHILE's loopOver, which this runtime does not run"));
        }
        require(task.loopCondition(), at + ".loopCondition", task.taskReferenceName(), errors);
        if (task.loopOver() == null || task.loopOver().isEmpty()) {
            errors.add(new FieldError(at + ".loopOver", "task " + task.taskReferenceName()
                    + " is a DO_WHILE and needs loopOver, a non-empty list of tasks"));
            return;
        }
        sequence(task.loopOver(), at + ".loopOver", true, refs, errors);
    }

    private static boolean isFork(WorkflowTask task) {
        return task.isType(TaskType.FORK_JOIN) || task.isType(TaskType.FORK_JOIN_DYNAMIC);
    }

    private static void require(String value, String path, String ref, List<FieldError> errors) {
        if (blank(value)) {
            errors.add(new FieldError(path, "task " + ref + " needs " + path.substring(path.lastIndexOf('.') + 1)));
        }
    }

    private static String text(Object value) {
        return value instanceof String s ? s : null;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
