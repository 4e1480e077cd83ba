package io.upgrader.execution;

/**
 * Told of every execution just stored (started, changed, upgraded), so that side effects the pure decider leaves
 * as records (HTTP calls, sub-workflows, timed waits) get performed. Called on the thread that stored the change;
 * must return quickly and must not throw.
 */
public interface ExecutionListener {

    void changed(Workflow stored);
}
