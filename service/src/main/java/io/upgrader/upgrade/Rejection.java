package io.upgrader.upgrade;

import io.upgrader.error.FieldError;

import java.util.List;

/** Why an upgrade cannot be applied to the state it was checked against. */
public record Rejection(Reason reason, String message, List<FieldError> fieldErrors) {

    public enum Reason {
        UNKNOWN_WORKFLOW,
        NAME_MISMATCH,
        UNKNOWN_VERSION,
        NOT_UPGRADABLE_STATUS,
        NO_RUNNING_TASK,
        TASK_NOT_IN_TARGET,
        UNEXPECTED_TASK_OUTPUT,
        INVALID_TASK_MAPPING,
        /** A running task would move into or out of a loop, or running tasks would no longer be parallel. */
        INCOMPATIBLE_STRUCTURE
    }

    public Rejection {
        fieldErrors = fieldErrors == null ? List.of() : List.copyOf(fieldErrors);
    }

    static Rejection of(Reason reason, String path, String message) {
        return new Rejection(reason, message, List.of(new FieldError(path, message)));
    }
}
