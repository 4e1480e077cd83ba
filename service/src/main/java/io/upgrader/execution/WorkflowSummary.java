package io.upgrader.execution;

import tools.jackson.databind.json.JsonMapper;

import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

/**
 * Conductor's WorkflowSummary, as its search answers it: times as {@code yyyy-MM-dd'T'HH:mm:ss.SSS'Z'} in
 * GMT (endTime only once ended), input and output serialised to strings (as JSON, Conductor's
 * {@code summary-input-output-json-serialization} form), executionTime = endTime - startTime once ended.
 */
public record WorkflowSummary(
        String workflowType,
        int version,
        String workflowId,
        String correlationId,
        String startTime,
        String updateTime,
        String endTime,
        WorkflowStatus status,
        String input,
        String output,
        String reasonForIncompletion,
        long executionTime,
        String event,
        String failedReferenceTaskNames,
        String externalInputPayloadStoragePath,
        String externalOutputPayloadStoragePath,
        int priority,
        List<String> failedTaskNames,
        String createdBy) {

    public static WorkflowSummary of(Workflow workflow, JsonMapper json) {
        return new WorkflowSummary(workflow.workflowName(), workflow.workflowVersion(), workflow.workflowId(),
                workflow.correlationId(), time(workflow.createTime()), time(workflow.updateTime()),
                workflow.endTime() > 0 ? time(workflow.endTime()) : null, workflow.status(),
                serialized(workflow.input(), json), serialized(workflow.output(), json),
                workflow.reasonForIncompletion(),
                workflow.endTime() > 0 ? workflow.endTime() - workflow.createTime() : 0, null, "", null, null, 0,
                List.of(), null);
    }

    private static String time(long millis) {
        if (millis <= 0) {
            return null;
        }
        SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
        format.setTimeZone(TimeZone.getTimeZone("GMT"));
        return format.format(new Date(millis));
    }

    private static String serialized(Map<String, Object> values, JsonMapper json) {
        return values == null ? null : json.writeValueAsString(values);
    }
}
