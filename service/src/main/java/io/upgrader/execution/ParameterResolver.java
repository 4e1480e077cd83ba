package io.upgrader.execution;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves Conductor expressions such as {@code ${workflow.input.x}}, {@code ${workflow.variables.x}},
 * {@code ${ref.output.x}} and {@code ${ref.input.x}} in task inputParameters and workflow outputParameters.
 * A value that is exactly one expression takes the referenced value with its type; expressions inside a
 * longer string are replaced by their text. What does not exist resolves to null, as in Conductor. Inside a
 * loop, {@code ${ref.output.x}} reads the latest iteration's record of {@code ref}.
 */
public final class ParameterResolver {

    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^}]+)}");
    private static final Configuration JSON_PATH = Configuration.defaultConfiguration()
            .addOptions(Option.DEFAULT_PATH_LEAF_TO_NULL, Option.SUPPRESS_EXCEPTIONS);

    private ParameterResolver() {
    }

    public static Map<String, Object> resolve(Map<String, Object> parameters, Workflow workflow) {
        if (parameters.isEmpty()) {
            return Map.of();
        }
        Object context = context(workflow);
        @SuppressWarnings("unchecked")
        Map<String, Object> resolved = (Map<String, Object>) resolveValue(parameters, context);
        return resolved;
    }

    /** What expressions can reach: {workflow: {...}, <taskReferenceName>: {input, output, ...}}. */
    private static Object context(Workflow workflow) {
        Map<String, Object> root = new HashMap<>();
        Map<String, Object> self = new HashMap<>();
        self.put("workflowId", workflow.workflowId());
        self.put("workflowType", workflow.workflowName());
        self.put("version", workflow.workflowVersion());
        self.put("correlationId", workflow.correlationId());
        self.put("status", workflow.status().name());
        self.put("input", workflow.input());
        self.put("output", workflow.output());
        self.put("variables", workflow.variables());
        root.put("workflow", self);
        for (Task task : workflow.tasks()) {
            Map<String, Object> view = new HashMap<>();
            view.put("input", task.inputData());
            view.put("output", task.outputData());
            view.put("status", task.status().name());
            view.put("taskId", task.taskId());
            root.put(task.referenceTaskName(), view);
            // As in Conductor, a loop's task is also reached without its __N suffix: the latest iteration's.
            if (task.iteration() > 0) {
                root.put(task.baseReferenceTaskName(), view);
            }
        }
        return root;
    }

    private static Object resolveValue(Object value, Object context) {
        if (value instanceof String text) {
            return resolveString(text, context);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> resolved = new LinkedHashMap<>();
            map.forEach((key, item) -> resolved.put(String.valueOf(key), resolveValue(item, context)));
            return resolved;
        }
        if (value instanceof List<?> list) {
            List<Object> resolved = new ArrayList<>(list.size());
            list.forEach(item -> resolved.add(resolveValue(item, context)));
            return resolved;
        }
        return value;
    }

    private static Object resolveString(String text, Object context) {
        Matcher matcher = EXPRESSION.matcher(text);
        if (matcher.matches()) {
            return read(matcher.group(1), context);
        }
        StringBuilder result = new StringBuilder();
        matcher.reset();
        while (matcher.find()) {
            Object value = read(matcher.group(1), context);
            matcher.appendReplacement(result, Matcher.quoteReplacement(value == null ? "" : String.valueOf(value)));
        }
        matcher.appendTail(result);
        return result.toString();
    }

    private static Object read(String expression, Object context) {
        try {
            return JsonPath.using(JSON_PATH).parse(context).read("$." + expression.trim());
        } catch (com.jayway.jsonpath.JsonPathException | IllegalArgumentException e) {
            return null;
        }
    }
}
