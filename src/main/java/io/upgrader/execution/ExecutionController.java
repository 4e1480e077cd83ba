package io.upgrader.execution;

import io.upgrader.definition.DefinitionStore;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.web.ApiException;
import io.upgrader.web.Identifiers;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/** Starting and reading executions, with Conductor's paths and shapes. */
@RestController
@RequestMapping("/api/workflow")
public class ExecutionController {

    private final DefinitionStore definitions;
    private final ExecutionStore executions;
    private final WorkflowStarter starter;

    public ExecutionController(DefinitionStore definitions, ExecutionStore executions, WorkflowStarter starter) {
        this.definitions = definitions;
        this.executions = executions;
        this.starter = starter;
    }

    @PostMapping(path = "/{name}", produces = MediaType.TEXT_PLAIN_VALUE)
    public String start(@PathVariable String name, @RequestParam(required = false) Integer version,
                        @RequestParam(required = false) String correlationId,
                        @RequestBody(required = false) Map<String, Object> input) {
        WorkflowDef definition = (version == null ? definitions.latest(name) : definitions.find(name, version))
                .orElseThrow(() -> ApiException.notFound("No such workflow defined. name=" + name
                        + (version == null ? "" : ", version=" + version)));
        return starter.start(definition, input == null ? Map.of() : input, correlationId).workflowId();
    }

    @GetMapping("/{workflowId}")
    public Workflow get(@PathVariable String workflowId, @RequestParam(defaultValue = "true") boolean includeTasks) {
        Identifiers.checkWorkflowId(workflowId);
        Workflow workflow = executions.find(workflowId)
                .orElseThrow(() -> ApiException.notFound("Workflow " + workflowId + " not found"));
        return includeTasks ? workflow : new Workflow(workflow.workflowId(), workflow.workflowName(),
                workflow.workflowVersion(), workflow.status(), workflow.input(), workflow.output(), workflow.variables(),
                workflow.correlationId(), workflow.createTime(), workflow.updateTime(), workflow.endTime(),
                workflow.workflowDefinition(), List.of(), workflow.upgradeHistory(), workflow.revision());
    }
}
