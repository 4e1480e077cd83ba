package io.upgrader.definition;

import io.upgrader.error.ConflictException;
import io.upgrader.error.FieldError;
import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Registering, reading and removing workflow definitions, with Conductor's paths and shapes. */
@RestController
@RequestMapping("/api/metadata/workflow")
public class DefinitionController {

    private final WorkflowDefRegistry definitions;
    private final Clock clock;

    public DefinitionController(WorkflowDefRegistry definitions, Clock clock) {
        this.definitions = definitions;
        this.clock = clock;
    }

    /** 409 when (name, version) exists, unless {@code overwrite=true}. */
    @PostMapping
    public void register(@RequestBody WorkflowDef definition, @RequestParam(defaultValue = "false") boolean overwrite) {
        WorkflowDef checked = checked(definition, "");
        long now = clock.millis();
        if (overwrite) {
            definitions.upsert(checked, now);
        } else if (!definitions.register(checked.withTimestamps(now, now))) {
            throw new ConflictException("Workflow definition " + checked.name() + " version " + checked.version()
                    + " already exists");
        }
    }

    /** Registers or replaces each definition of the list; all are checked before any is stored. */
    @PutMapping
    public void upsert(@RequestBody List<WorkflowDef> list) {
        List<WorkflowDef> checked = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            checked.add(checked(list.get(i), "[" + i + "]."));
        }
        long now = clock.millis();
        checked.forEach(definition -> definitions.upsert(definition, now));
    }

    @GetMapping("/{name}")
    public WorkflowDef get(@PathVariable String name, @RequestParam(required = false) Integer version) {
        return (version == null ? definitions.latest(name) : definitions.find(name, version))
                .orElseThrow(() -> new NotFoundException("No such workflow defined. name=" + name
                        + (version == null ? "" : ", version=" + version)));
    }

    @GetMapping
    public List<WorkflowDef> all() {
        return definitions.all();
    }

    /** The newest version of every definition. */
    @GetMapping("/latest-versions")
    public List<WorkflowDef> latestVersions() {
        return new ArrayList<>(definitions.all().stream().collect(java.util.stream.Collectors.toMap(WorkflowDef::name,
                definition -> definition, (a, b) -> a.version() >= b.version() ? a : b,
                java.util.LinkedHashMap::new)).values());
    }

    @DeleteMapping("/{name}/{version}")
    public void delete(@PathVariable String name, @PathVariable int version) {
        if (!definitions.delete(name, version)) {
            throw new NotFoundException("No such workflow defined. name=" + name + ", version=" + version);
        }
    }

    private static WorkflowDef checked(WorkflowDef definition, String pathPrefix) {
        if (definition == null) {
            throw InvalidInputException.of(pathPrefix + "body", "workflow definition is missing");
        }
        List<FieldError> errors = DefinitionRules.check(definition).stream()
                .map(e -> new FieldError(pathPrefix + e.path(), e.message())).toList();
        if (!errors.isEmpty()) {
            throw new InvalidInputException("Invalid workflow definition: " + errors.get(0).message()
                    + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""), errors);
        }
        return definition.version() == null ? definition.withVersion(1) : definition;
    }
}
