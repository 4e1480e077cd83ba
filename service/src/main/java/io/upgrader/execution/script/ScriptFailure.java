package io.upgrader.execution.script;

/**
 * An expression written by a workflow's author could not produce a value. Unchecked, because the caller's only
 * sensible reaction is to fail the task with {@link #getMessage()}, which is written for that author to read.
 */
public class ScriptFailure extends RuntimeException {

    public ScriptFailure(String message) {
        super(message);
    }

    public ScriptFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
