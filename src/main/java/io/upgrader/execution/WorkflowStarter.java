package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.stereotype.Component;

/** Creates a RUNNING execution of a definition with its first task SCHEDULED. */
@Component
public class WorkflowStarter {

    private final ExecutionStore executions;
    private final Clock clock;

    public WorkflowStarter(ExecutionStore executions, Clock clock) {
        this.executions = executions;
        this.clock = clock;
    }

    public Workflow start(WorkflowDef definition, Map<String, Object> input, String correlationId) {
        long now = clock.millis();
        String workflowId = UUID.randomUUID().toString();
        WorkflowTask first = definition.tasks().get(0);
        Task scheduled = new Task(UUID.randomUUID().toString(), first.type(), first.name(), first.taskReferenceName(),
                TaskStatus.SCHEDULED, 1, first.inputParameters(), Map.of(), now, 0, 0, now, workflowId, null);
        Workflow workflow = new Workflow(workflowId, definition.name(), definition.version(), WorkflowStatus.RUNNING,
                input, Map.of(), Map.of(), correlationId, now, now, 0, definition, List.of(scheduled), List.of(), 0);
        executions.insert(workflow);
        return workflow;
    }
}
