package io.upgrader.execution;

import io.upgrader.error.DomainException;

/** A lifecycle request that does not fit the execution's state: what it names is missing, or has moved on. */
public class ExecutionRejected extends DomainException {

    public enum Reason { WORKFLOW_NOT_FOUND, TASK_NOT_FOUND, TASK_ENDED, WORKFLOW_ENDED, WRONG_STATUS }

    private final Reason reason;

    public ExecutionRejected(Reason reason, String message) {
        super(reason == Reason.WORKFLOW_NOT_FOUND || reason == Reason.TASK_NOT_FOUND ? Kind.NOT_FOUND : Kind.CONFLICT,
                message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
