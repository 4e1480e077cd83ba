package io.upgrader.contract;

import io.upgrader.error.FieldError;
import io.upgrader.error.InvalidInputException;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.stream.Collectors;

/** A request body checked against its published schema: a 400 naming every offending field, or nothing. */
public final class SchemaCheckedBody {

    private SchemaCheckedBody() {
    }

    /** @param what how the message names the body, e.g. "upgrade request" */
    public static void require(ContractSchema schema, JsonNode body, String what) {
        List<FieldError> violations = schema.validate(body).stream()
                .map(v -> new FieldError(v.path().isEmpty() ? "body" : v.path(), v.message()))
                .toList();
        if (!violations.isEmpty()) {
            throw new InvalidInputException("Invalid " + what + ": " + violations.stream()
                    .map(v -> v.path() + ": " + v.message()).collect(Collectors.joining("; ")), violations);
        }
    }
}
