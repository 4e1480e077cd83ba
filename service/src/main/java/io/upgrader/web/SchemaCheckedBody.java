package io.upgrader.web;

import io.upgrader.contract.ContractSchema;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.stream.Collectors;

/** A request body checked against its published schema: a 400 naming every offending field, or nothing. */
public final class SchemaCheckedBody {

    private SchemaCheckedBody() {
    }

    /** @param what how the message names the body, e.g. "upgrade request" */
    public static void require(ContractSchema schema, JsonNode body, String what) {
        List<ErrorBody.ValidationError> violations = schema.validate(body).stream()
                .map(v -> new ErrorBody.ValidationError(v.path().isEmpty() ? "body" : v.path(), v.message()))
                .toList();
        if (!violations.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Invalid " + what + ": " + violations.stream()
                    .map(v -> v.path() + ": " + v.message()).collect(Collectors.joining("; ")), false, violations);
        }
    }
}
