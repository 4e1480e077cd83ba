package io.upgrader.web;

import org.springframework.http.HttpStatus;

import java.util.List;

/** An error answered to the caller as it is: a status, a message naming the problem, the offending fields. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final boolean retryable;
    private final List<ErrorBody.ValidationError> validationErrors;

    public ApiException(HttpStatus status, String message, boolean retryable, List<ErrorBody.ValidationError> errors) {
        super(message);
        this.status = status;
        this.retryable = retryable;
        this.validationErrors = List.copyOf(errors);
    }

    public static ApiException badRequest(String path, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, message, false,
                List.of(new ErrorBody.ValidationError(path, message)));
    }

    public static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, message, false, List.of());
    }

    public static ApiException conflict(String message) {
        return new ApiException(HttpStatus.CONFLICT, message, false, List.of());
    }

    public HttpStatus status() {
        return status;
    }

    public ErrorBody body() {
        return new ErrorBody(status.value(), getMessage(), retryable, validationErrors);
    }
}
