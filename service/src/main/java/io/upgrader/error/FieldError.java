package io.upgrader.error;

/** One offending input field, named by its path in the request (as {@code tasks[2].name}), and what is wrong. */
public record FieldError(String path, String message) {
}
