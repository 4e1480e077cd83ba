package io.upgrader.definition;

import io.upgrader.web.ApiException;
import io.upgrader.web.ErrorBody;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.util.List;

/** Registering and reading workflow definitions, with Conductor's paths and shapes. */
@RestController
@RequestMapping("/api/metadata/workflow")
public class DefinitionController {

    private final DefinitionStore definitions;
    private final Clock clock;

    public DefinitionController(DefinitionStore definitions, Clock clock) {
        this.definitions = definitions;
        this.clock = clock;
    }

    @PostMapping
    public void register(@RequestBody WorkflowDef definition) {
        List<ErrorBody.ValidationError> errors = DefinitionRules.check(definition);
        if (!errors.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Invalid workflow definition: "
                    + errors.get(0).message() + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""),
                    false, errors);
        }
        WorkflowDef versioned = definition.version() == null ? withVersion(definition, 1) : definition;
        long now = clock.millis();
        if (!definitions.register(versioned.withTimestamps(now, now))) {
            throw ApiException.conflict("Workflow definition " + versioned.name() + " version "
                    + versioned.version() + " already exists");
        }
    }

    @GetMapping("/{name}")
    public WorkflowDef get(@PathVariable String name, @RequestParam(required = false) Integer version) {
        return (version == null ? definitions.latest(name) : definitions.find(name, version))
                .orElseThrow(() -> ApiException.notFound("No such workflow defined. name=" + name
                        + (version == null ? "" : ", version=" + version)));
    }

    private static WorkflowDef withVersion(WorkflowDef d, int version) {
        return new WorkflowDef(d.name(), version, d.description(), d.tasks(), d.inputParameters(),
                d.outputParameters(), d.createTime(), d.updateTime());
    }
}
