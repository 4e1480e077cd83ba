package io.upgrader.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Hands each stored execution to the {@link ExecutionListener}s. The listeners are looked up when a change
 * happens (they depend on {@link Executions} themselves), and whatever one throws is logged, never passed to the
 * caller whose change has already been stored.
 */
@Component
public class ExecutionChanges {

    private static final Logger log = LoggerFactory.getLogger(ExecutionChanges.class);

    private final ObjectProvider<ExecutionListener> listeners;

    public ExecutionChanges(ObjectProvider<ExecutionListener> listeners) {
        this.listeners = listeners;
    }

    public void stored(Workflow workflow) {
        listeners.orderedStream().forEach(listener -> {
            try {
                listener.changed(workflow);
            } catch (RuntimeException e) {
                log.error("Listener {} failed on workflow {}", listener.getClass().getSimpleName(),
                        workflow.workflowId(), e);
            }
        });
    }
}
