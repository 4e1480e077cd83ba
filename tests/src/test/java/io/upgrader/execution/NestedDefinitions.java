package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Builders of nested definitions and executions for the pure tests of the decider and the planner. */
public final class NestedDefinitions {

    private NestedDefinitions() {
    }

    public static WorkflowDef definition(String name, int version, WorkflowTask... tasks) {
        return new WorkflowDef(name, version, null, List.of(tasks), List.of(), Map.of(), 0L, 0L);
    }

    public static WorkflowDef withOutput(WorkflowDef definition, Map<String, Object> outputParameters) {
        return new WorkflowDef(definition.name(), definition.version(), null, definition.tasks(), List.of(),
                outputParameters, 0L, 0L);
    }

    public static WorkflowTask simple(String ref) {
        return new WorkflowTask(ref + "_task", ref, "SIMPLE", null, Map.of(), null);
    }

    public static WorkflowTask simple(String ref, Map<String, Object> input) {
        return new WorkflowTask(ref + "_task", ref, "SIMPLE", null, input, null);
    }

    public static WorkflowTask optionalSimple(String ref) {
        return new WorkflowTask(ref + "_task", ref, "SIMPLE", null, Map.of(), true);
    }

    public static WorkflowTask waitTask(String ref) {
        return new WorkflowTask(ref, ref, "WAIT", null, Map.of(), null);
    }

    public static WorkflowTask waitTask(String ref, Map<String, Object> input) {
        return new WorkflowTask(ref, ref, "WAIT", null, input, null);
    }

    public static WorkflowTask inline(String ref, String expression, Map<String, Object> input) {
        Map<String, Object> parameters = new LinkedHashMap<>(input);
        parameters.put("evaluatorType", "graaljs");
        parameters.put("expression", expression);
        return new WorkflowTask(ref, ref, "INLINE", null, parameters, null);
    }

    public static WorkflowTask jq(String ref, String query, Map<String, Object> input) {
        Map<String, Object> parameters = new LinkedHashMap<>(input);
        parameters.put("queryExpression", query);
        return new WorkflowTask(ref, ref, "JSON_JQ_TRANSFORM", null, parameters, null);
    }

    public static WorkflowTask switchTask(String ref, String evaluatorType, String expression,
                                          Map<String, Object> input, Map<String, List<WorkflowTask>> cases,
                                          List<WorkflowTask> defaultCase) {
        return new WorkflowTask(ref, ref, "SWITCH", null, input, null, evaluatorType, expression, null, null, cases,
                defaultCase, null, null, null, null, null, null, null);
    }

    public static WorkflowTask decision(String ref, String caseValueParam, Map<String, Object> input,
                                        Map<String, List<WorkflowTask>> cases) {
        return new WorkflowTask(ref, ref, "DECISION", null, input, null, null, null, caseValueParam, null, cases,
                null, null, null, null, null, null, null, null);
    }

    @SafeVarargs
    public static WorkflowTask fork(String ref, List<WorkflowTask>... branches) {
        return new WorkflowTask(ref, ref, "FORK_JOIN", null, Map.of(), null, null, null, null, null, null, null,
                Arrays.asList(branches), null, null, null, null, null, null);
    }

    public static WorkflowTask dynamicFork(String ref, Map<String, Object> input) {
        return new WorkflowTask(ref, ref, "FORK_JOIN_DYNAMIC", null, input, null, null, null, null, null, null, null,
                null, null, null, null, "dynamicTasks", "dynamicTasksInput", null);
    }

    public static WorkflowTask join(String ref, String... joinOn) {
        return new WorkflowTask(ref, ref, "JOIN", null, Map.of(), null, null, null, null, null, null, null, null,
                List.of(joinOn), null, null, null, null, null);
    }

    public static WorkflowTask loop(String ref, String condition, WorkflowTask... body) {
        return new WorkflowTask(ref, ref, "DO_WHILE", null, Map.of(), null, null, null, null, null, null, null,
                null, null, List.of(body), condition, null, null, null);
    }

    public static WorkflowTask subWorkflow(String ref, String name, Integer version, Map<String, Object> input) {
        return new WorkflowTask(ref, ref, "SUB_WORKFLOW", null, input, null, null, null, null, null, null, null,
                null, null, null, null, null, null, new WorkflowTask.SubWorkflowParams(name, version));
    }

    /** Task ids t1, t2, ... so that tests can name them. */
    public static Supplier<String> ids() {
        AtomicInteger next = new AtomicInteger();
        return () -> "t" + next.incrementAndGet();
    }

    public static Task record(Workflow workflow, String referenceTaskName) {
        return workflow.taskByReference(referenceTaskName).orElseThrow(() -> new AssertionError(
                "no record " + referenceTaskName + " in " + workflow.tasks().stream()
                        .map(Task::referenceTaskName).toList()));
    }

    public static TaskResult completed(Workflow workflow, String referenceTaskName, Map<String, Object> output) {
        return new TaskResult(workflow.workflowId(), record(workflow, referenceTaskName).taskId(),
                TaskResult.Status.COMPLETED, output, null, "worker", null);
    }

    public static TaskResult failed(Workflow workflow, String referenceTaskName, String reason) {
        return new TaskResult(workflow.workflowId(), record(workflow, referenceTaskName).taskId(),
                TaskResult.Status.FAILED, Map.of(), reason, "worker", null);
    }
}
