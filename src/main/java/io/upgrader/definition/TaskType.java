package io.upgrader.definition;

import java.util.Arrays;
import java.util.Optional;

/** The task types this runtime executes; any other type is refused at registration. */
public enum TaskType {
    /** Done by a worker that polls for it. */
    SIMPLE,
    /** Completed through the task update API. */
    WAIT,
    /** Completed through the task update API. */
    HUMAN,
    /** Run by the server: puts its resolved input into the workflow's variables. */
    SET_VARIABLE,
    /** Run by the server: ends the workflow with terminationStatus and workflowOutput. */
    TERMINATE;

    public static Optional<TaskType> of(String type) {
        return Arrays.stream(values()).filter(t -> t.name().equals(type)).findFirst();
    }

    public boolean runsOnServer() {
        return this == SET_VARIABLE || this == TERMINATE;
    }
}
