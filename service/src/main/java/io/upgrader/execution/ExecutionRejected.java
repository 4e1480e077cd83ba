package io.upgrader.execution;

/** A lifecycle request that does not fit the execution's state. */
public class ExecutionRejected extends RuntimeException {

    public enum Reason { WORKFLOW_NOT_FOUND, TASK_NOT_FOUND, TASK_ENDED, WORKFLOW_ENDED, WRONG_STATUS }

    private final Reason reason;

    public ExecutionRejected(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
