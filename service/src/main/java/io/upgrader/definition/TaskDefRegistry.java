package io.upgrader.definition;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Conductor task definitions by name, kept as given: this runtime does not act on their settings (retries,
 * timeouts), but clients register and read them. {@code mongo.definition.TaskDefStore} is the MongoDB
 * implementation.
 */
public interface TaskDefRegistry {

    /** Registers or replaces the task definition under its {@code name}. */
    void upsert(Map<String, Object> taskDef);

    Optional<Map<String, Object>> find(String name);

    /** Every task definition, by name. */
    List<Map<String, Object>> all();

    boolean delete(String name);
}
