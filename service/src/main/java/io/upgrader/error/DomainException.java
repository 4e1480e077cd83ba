package io.upgrader.error;

import java.util.List;

/**
 * A failure the domain names itself. Its {@link Kind} is all a caller needs: the HTTP layer answers with the
 * matching status and Conductor's error body, and the command consumer retries exactly the retryable kinds.
 * Feature exceptions extend this (or one of the named subclasses) instead of carrying transport types.
 */
public abstract class DomainException extends RuntimeException {

    /** What went wrong, in terms a caller can act on; {@link #retryable()} means "the same request may succeed later". */
    public enum Kind {
        /** The request itself is wrong; the field errors say where. */
        INVALID_INPUT(false),
        /** The caller could not be identified. */
        UNAUTHENTICATED(false),
        NOT_FOUND(false),
        /** The request does not fit the current state (an ended task, an existing definition). */
        CONFLICT(false),
        /** The state kept changing under the request; trying again reads it afresh. */
        CONCURRENT_CHANGE(true),
        /** Valid on its own but contradicting an earlier request (an Idempotency-Key reused for another body). */
        UNPROCESSABLE(false),
        /** A bound on concurrent work is reached; it frees up without anyone's help. */
        TOO_MANY_REQUESTS(true),
        /** A dependency (Kafka, MongoDB) did not answer in time; what was recorded is not lost. */
        UNAVAILABLE(true);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Kind kind;
    private final List<FieldError> fieldErrors;

    protected DomainException(Kind kind, String message, List<FieldError> fieldErrors, Throwable cause) {
        super(message);
        // Left unset rather than set to null, so that a caller can still attach a cause (initCause).
        if (cause != null) {
            initCause(cause);
        }
        this.kind = kind;
        this.fieldErrors = fieldErrors == null ? List.of() : List.copyOf(fieldErrors);
    }

    protected DomainException(Kind kind, String message) {
        this(kind, message, List.of(), null);
    }

    public Kind kind() {
        return kind;
    }

    public List<FieldError> fieldErrors() {
        return fieldErrors;
    }

    public boolean retryable() {
        return kind.retryable();
    }
}
