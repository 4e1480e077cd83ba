package io.upgrader.definition;

import java.util.List;
import java.util.Optional;

/**
 * Conductor's workflow metadata: registering, replacing, listing and removing workflow definitions, unique on
 * (name, version), and reading the latest version of one; the reads the upgrade core needs are
 * {@link WorkflowDefinitions}'. {@code mongo.definition.DefinitionStore} is the MongoDB implementation.
 */
public interface WorkflowDefRegistry extends WorkflowDefinitions {

    /** @return false when (name, version) is already registered */
    boolean register(WorkflowDef definition);

    /** Registers or replaces (name, version); the creation time of a replaced definition is kept. */
    void upsert(WorkflowDef definition, long now);

    /** Every definition, by name and version. */
    List<WorkflowDef> all();

    boolean delete(String name, int version);

    /** The highest version registered under this name, if any. */
    Optional<WorkflowDef> latest(String name);
}
