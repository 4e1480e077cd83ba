package io.upgrader.error;

/** What the request names does not exist (a workflow, a task, a definition, a command). */
public class NotFoundException extends DomainException {

    public NotFoundException(String message) {
        super(Kind.NOT_FOUND, message);
    }
}
