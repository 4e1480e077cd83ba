package io.upgrader.execution;

import io.upgrader.definition.TaskType;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.script.JavaScript;
import io.upgrader.execution.script.Jq;
import io.upgrader.execution.script.ScriptFailure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluations of Conductor's server-side tasks (INLINE, JSON_JQ_TRANSFORM, SWITCH/DECISION cases, DO_WHILE
 * conditions), with the limits they run under. Deterministic for a given input, so the decider stays a function
 * of its inputs.
 *
 * @param scriptTimeLimit how long one JavaScript evaluation may run before it fails its task
 * @param maxIterations   how many iterations a DO_WHILE may run before it fails
 */
public record SystemTasks(Duration scriptTimeLimit, int maxIterations) {

    public static final SystemTasks DEFAULTS = new SystemTasks(Duration.ofSeconds(2), 1000);

    /** INLINE: {@code expression} with {@code $} bound to the task's inputs; output {@code result}. */
    Map<String, Object> inline(Map<String, Object> input) {
        Object evaluator = input.getOrDefault("evaluatorType", "javascript");
        Object expression = input.get("expression");
        if (!(expression instanceof String script) || script.isBlank()) {
            throw new ScriptFailure("INLINE needs an expression in its inputParameters");
        }
        Object result = "value-param".equals(evaluator) ? input.get(script) : javascript(script, input);
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("result", result);
        return output;
    }

    /** JSON_JQ_TRANSFORM: {@code queryExpression} over the task's inputs; outputs {@code result}, {@code resultList}. */
    Map<String, Object> jq(Map<String, Object> input) {
        if (!(input.get("queryExpression") instanceof String query) || query.isBlank()) {
            throw new ScriptFailure("JSON_JQ_TRANSFORM needs a queryExpression in its inputParameters");
        }
        List<Object> results = Jq.evaluate(query, input);
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("result", results.isEmpty() ? null : results.get(0));
        output.put("resultList", results);
        return output;
    }

    /** The case a SWITCH or DECISION takes, as the text its decisionCases are keyed by. */
    String selectCase(WorkflowTask step, Map<String, Object> input) {
        Object value;
        if (step.isType(TaskType.DECISION)) {
            value = step.caseValueParam() != null ? input.get(step.caseValueParam())
                    : javascript(step.caseExpression(), input);
        } else if ("javascript".equals(step.evaluatorType()) || "graaljs".equals(step.evaluatorType())) {
            value = javascript(step.expression(), input);
        } else {
            value = input.get(step.expression());
        }
        return String.valueOf(value);
    }

    /** Whether a DO_WHILE runs another iteration: its condition is truthy. */
    boolean loopAgain(String condition, Map<String, Object> input) {
        Object value = javascript(condition, input);
        return value instanceof Boolean bool ? bool
                : value instanceof Number number ? number.doubleValue() != 0
                : value instanceof String text ? !text.isEmpty()
                : value != null;
    }

    private Object javascript(String expression, Map<String, Object> input) {
        return JavaScript.evaluate(expression, input, scriptTimeLimit);
    }
}
