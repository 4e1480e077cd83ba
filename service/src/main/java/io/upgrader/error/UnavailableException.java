package io.upgrader.error;

import java.util.List;

/** A dependency did not answer in time; what was recorded stays, and the same request may succeed later. */
public class UnavailableException extends DomainException {

    public UnavailableException(String message, Throwable cause) {
        super(Kind.UNAVAILABLE, message, List.of(), cause);
    }
}
