package io.upgrader.definition;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task of a workflow definition, as Conductor's WorkflowTask: the fields of the task types this runtime
 * runs, nested ones included (decisionCases, forkTasks, loopOver). Absent fields are left out of the JSON, so
 * a stored definition snapshot stays as small as the definition it came from.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WorkflowTask(
        String name,
        String taskReferenceName,
        String type,
        String description,
        Map<String, Object> inputParameters,
        Boolean optional,
        String evaluatorType,
        String expression,
        String caseValueParam,
        String caseExpression,
        Map<String, List<WorkflowTask>> decisionCases,
        List<WorkflowTask> defaultCase,
        List<List<WorkflowTask>> forkTasks,
        List<String> joinOn,
        List<WorkflowTask> loopOver,
        String loopCondition,
        String dynamicForkTasksParam,
        String dynamicForkTasksInputParamName,
        SubWorkflowParams subWorkflowParam) {

    /** Conductor's subWorkflowParam: the child definition; the latest version when none is given. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SubWorkflowParams(String name, Integer version) {
    }

    public WorkflowTask {
        inputParameters = inputParameters == null ? Map.of() : inputParameters;
        type = type == null || type.isBlank() ? "SIMPLE" : type;
    }

    /** A task without nested tasks. */
    public WorkflowTask(String name, String taskReferenceName, String type, String description,
                        Map<String, Object> inputParameters, Boolean optional) {
        this(name, taskReferenceName, type, description, inputParameters, optional, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    public boolean isType(TaskType taskType) {
        return taskType.name().equals(type);
    }

    /**
     * The non-empty sequences nested directly in this task (cases, branches, loop body). Clients such as
     * Conductor's Java SDK send empty ones on every task, which mean none.
     */
    public List<List<WorkflowTask>> children() {
        List<List<WorkflowTask>> children = new ArrayList<>();
        if (decisionCases != null) {
            children.addAll(decisionCases.values());
        }
        if (defaultCase != null) {
            children.add(defaultCase);
        }
        if (forkTasks != null) {
            children.addAll(forkTasks);
        }
        if (loopOver != null) {
            children.add(loopOver);
        }
        return children.stream().filter(child -> child != null && !child.isEmpty()).toList();
    }

    /** The tasks of the case with this name: its decisionCases entry, else the defaultCase. */
    public List<WorkflowTask> caseTasks(String caseName) {
        List<WorkflowTask> selected = decisionCases == null || caseName == null ? null : decisionCases.get(caseName);
        if (selected != null) {
            return selected;
        }
        return defaultCase == null ? List.of() : defaultCase;
    }

    /** The same task with other inputParameters (dynamic fork branches get theirs at run time). */
    public WorkflowTask withInputParameters(Map<String, Object> newInputParameters) {
        return new WorkflowTask(name, taskReferenceName, type, description, new LinkedHashMap<>(newInputParameters),
                optional, evaluatorType, expression, caseValueParam, caseExpression, decisionCases, defaultCase,
                forkTasks, joinOn, loopOver, loopCondition, dynamicForkTasksParam, dynamicForkTasksInputParamName,
                subWorkflowParam);
    }
}
