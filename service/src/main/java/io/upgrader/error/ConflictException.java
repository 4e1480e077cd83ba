package io.upgrader.error;

/** The request is understood but does not fit the current state; repeating it unchanged will not help. */
public class ConflictException extends DomainException {

    public ConflictException(String message) {
        super(Kind.CONFLICT, message);
    }
}
