package io.upgrader.error;

import java.util.List;

/** The request itself is wrong: its message names the problem, its field errors the offending fields. */
public class InvalidInputException extends DomainException {

    public InvalidInputException(String message, List<FieldError> fieldErrors) {
        super(Kind.INVALID_INPUT, message, fieldErrors, null);
    }

    /** One offending field, its error saying the same as the message. */
    public static InvalidInputException of(String path, String message) {
        return new InvalidInputException(message, List.of(new FieldError(path, message)));
    }
}
