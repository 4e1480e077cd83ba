package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;

import java.util.Map;

/** Conductor's StartWorkflowRequest (the fields this runtime uses; task domains and priority are ignored). */
public record StartWorkflowRequest(
        String name,
        Integer version,
        String correlationId,
        Map<String, Object> input,
        WorkflowDef workflowDef) {
}
