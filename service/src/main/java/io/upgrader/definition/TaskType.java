package io.upgrader.definition;

import java.util.Arrays;
import java.util.Optional;

/** The task types this runtime executes, as Conductor names them; any other type is refused at registration. */
public enum TaskType {
    /** Done by a worker that polls for it. */
    SIMPLE,
    /** Completed through the task update API, or by the server after its duration / at its until time. */
    WAIT,
    /** Completed through the task update API. */
    HUMAN,
    /** Run by the server: puts its resolved input into the workflow's variables. */
    SET_VARIABLE,
    /** Run by the server: ends the workflow with terminationStatus and workflowOutput. */
    TERMINATE,
    /** Runs the tasks of one of its decisionCases (or the defaultCase), chosen by its evaluator. */
    SWITCH,
    /** The legacy SWITCH: caseValueParam or caseExpression choose the case. */
    DECISION,
    /** Runs its forkTasks branches in parallel; the JOIN after it waits for them. */
    FORK_JOIN,
    /** A fork whose branches are one task each, given at run time by an input parameter. */
    FORK_JOIN_DYNAMIC,
    /** Waits until the tasks of joinOn have ended. */
    JOIN,
    /** Runs loopOver again while loopCondition holds; iteration N's tasks are recorded as ref__N. */
    DO_WHILE,
    /** Runs another workflow as a child execution and ends with it. */
    SUB_WORKFLOW,
    /** Run by the server: a JavaScript expression over its inputs. */
    INLINE,
    /** Run by the server: a jq query over its inputs. */
    JSON_JQ_TRANSFORM,
    /** Run by the server: an HTTP call; a non-2xx answer fails the task. */
    HTTP;

    public static Optional<TaskType> of(String type) {
        return Arrays.stream(values()).filter(t -> t.name().equals(type)).findFirst();
    }

    /** Types whose records only frame other tasks: never a running task of their own for an upgrade. */
    public boolean isContainer() {
        return this == FORK_JOIN || this == FORK_JOIN_DYNAMIC || this == JOIN || this == DO_WHILE;
    }

    /** The taskType a record of this type carries, as in Conductor (a fork's record is a FORK). */
    public String recordType(String taskName) {
        return switch (this) {
            case SIMPLE -> taskName;
            case FORK_JOIN, FORK_JOIN_DYNAMIC -> "FORK";
            default -> name();
        };
    }
}
