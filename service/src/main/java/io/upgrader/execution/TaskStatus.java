package io.upgrader.execution;

/** Conductor's task statuses. */
public enum TaskStatus {
    IN_PROGRESS, CANCELED, FAILED, FAILED_WITH_TERMINAL_ERROR, COMPLETED, COMPLETED_WITH_ERRORS,
    SCHEDULED, TIMED_OUT, SKIPPED;

    /** A task that a worker or the server still has to finish. */
    public boolean isRunning() {
        return this == SCHEDULED || this == IN_PROGRESS;
    }
}
