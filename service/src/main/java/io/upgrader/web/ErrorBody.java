package io.upgrader.web;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** Conductor's error response, so the official clients parse our errors as they parse Conductor's. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(int status, String message, boolean retryable, List<ValidationError> validationErrors) {

    public record ValidationError(String path, String message) {
    }

    public ErrorBody {
        validationErrors = validationErrors == null ? List.of() : List.copyOf(validationErrors);
    }
}
