package io.upgrader.definition;

import java.util.Optional;

/**
 * Registered workflow definitions by (name, version), as the upgrade core reads them; {@code mongo.definition.DefinitionStore} is
 * the MongoDB implementation.
 */
public interface WorkflowDefinitions {

    Optional<WorkflowDef> find(String name, int version);

    /**
     * {@link #find}, or a copy read a few seconds ago: for checks that the consumer repeats against {@link #find}
     * before anything is applied.
     */
    Optional<WorkflowDef> findRecent(String name, int version);
}
