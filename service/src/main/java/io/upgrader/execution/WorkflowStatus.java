package io.upgrader.execution;

/** Conductor's workflow statuses. */
public enum WorkflowStatus {
    RUNNING, COMPLETED, FAILED, TIMED_OUT, TERMINATED, PAUSED;

    public boolean isTerminal() {
        return this != RUNNING && this != PAUSED;
    }
}
