package io.upgrader.execution;

import io.upgrader.definition.DefinitionRules;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowDefRegistry;
import io.upgrader.error.FieldError;
import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import io.upgrader.input.Identifiers;
import io.upgrader.input.StorableInput;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/** Starting, reading, pausing, resuming, terminating and removing executions, with Conductor's paths. */
@RestController
@RequestMapping("/api/workflow")
public class ExecutionController {

    private final WorkflowDefRegistry definitions;
    private final Executions executions;

    public ExecutionController(WorkflowDefRegistry definitions, Executions executions) {
        this.definitions = definitions;
        this.executions = executions;
    }

    @PostMapping(produces = MediaType.TEXT_PLAIN_VALUE)
    public String start(@RequestBody StartWorkflowRequest request) {
        if (request.name() == null || request.name().isBlank()) {
            throw InvalidInputException.of("name", "name is required");
        }
        StorableInput.require("input", request.input());
        WorkflowDef definition = request.workflowDef() != null ? adHoc(request.workflowDef())
                : definition(request.name(), request.version());
        return executions.start(definition, request.input() == null ? Map.of() : request.input(),
                request.correlationId()).workflowId();
    }

    @PostMapping(path = "/{name}", produces = MediaType.TEXT_PLAIN_VALUE)
    public String start(@PathVariable String name, @RequestParam(required = false) Integer version,
                        @RequestParam(required = false) String correlationId,
                        @RequestBody(required = false) Map<String, Object> input) {
        StorableInput.require("input", input);
        return executions.start(definition(name, version), input == null ? Map.of() : input, correlationId)
                .workflowId();
    }

    @GetMapping("/{workflowId}")
    public Workflow get(@PathVariable String workflowId, @RequestParam(defaultValue = "true") boolean includeTasks) {
        Workflow workflow = executions.find(Identifiers.checkWorkflowId(workflowId))
                .orElseThrow(() -> new NotFoundException("Workflow " + workflowId + " not found"));
        return includeTasks ? workflow : workflow.withoutTasks();
    }

    @GetMapping("/running/{name}")
    public List<String> running(@PathVariable String name, @RequestParam(required = false) Integer version) {
        return executions.runningIds(name, version);
    }

    @PutMapping("/{workflowId}/pause")
    public void pause(@PathVariable String workflowId) {
        executions.pause(Identifiers.checkWorkflowId(workflowId));
    }

    @PutMapping("/{workflowId}/resume")
    public void resume(@PathVariable String workflowId) {
        executions.resume(Identifiers.checkWorkflowId(workflowId));
    }

    @DeleteMapping("/{workflowId}")
    public void terminate(@PathVariable String workflowId, @RequestParam(required = false) String reason) {
        executions.terminate(Identifiers.checkWorkflowId(workflowId), reason);
    }

    @DeleteMapping("/{workflowId}/remove")
    public void remove(@PathVariable String workflowId) {
        if (!executions.remove(Identifiers.checkWorkflowId(workflowId))) {
            throw new NotFoundException("Workflow " + workflowId + " not found");
        }
    }

    private WorkflowDef definition(String name, Integer version) {
        return (version == null ? definitions.latest(name) : definitions.find(name, version))
                .orElseThrow(() -> new NotFoundException("No such workflow defined. name=" + name
                        + (version == null ? "" : ", version=" + version)));
    }

    private static WorkflowDef adHoc(WorkflowDef definition) {
        List<FieldError> errors = DefinitionRules.check(definition);
        if (!errors.isEmpty()) {
            throw new InvalidInputException("Invalid workflowDef: " + errors.get(0).message(), errors);
        }
        return definition.version() == null ? definition.withVersion(1) : definition;
    }
}
