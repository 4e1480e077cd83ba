package io.upgrader.upgrade;

import io.upgrader.contract.ContractSchema;
import io.upgrader.web.ApiException;
import io.upgrader.web.ErrorBody.ValidationError;
import io.upgrader.web.Identifiers;
import io.upgrader.web.StorableInput;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.security.Principal;
import java.util.List;

/** The upgrade API: the reference POST (answered once the command is on Kafka) and the status look-up. */
@RestController
@RequestMapping("/api/workflow")
public class UpgradeController {

    /** The 200 body of an accepted upgrade. */
    public record Accepted(String commandId, UpgradeStatus.State status, String workflowId, Integer fromVersion,
                           int toVersion) {
    }

    private final UpgradeRequests requests;
    private final UpgradeStatuses statuses;
    private final JsonMapper json;

    public UpgradeController(UpgradeRequests requests, UpgradeStatuses statuses, JsonMapper json) {
        this.requests = requests;
        this.statuses = statuses;
        this.json = json;
    }

    @PostMapping(path = "/{workflowId}/upgrade", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Accepted> upgrade(@PathVariable String workflowId, @RequestBody JsonNode body,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey, Principal caller) {
        Identifiers.checkWorkflowId(workflowId);
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 256)) {
            throw ApiException.badRequest("Idempotency-Key", "Idempotency-Key must be 1 to 256 characters");
        }
        List<ValidationError> violations = ContractSchema.UPGRADE_REQUEST.validate(body).stream()
                .map(v -> new ValidationError(v.path().isEmpty() ? "body" : v.path(), v.message())).toList();
        if (!violations.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Invalid upgrade request: " + violations.stream()
                    .map(v -> v.path().isEmpty() ? v.message() : v.path() + ": " + v.message())
                    .reduce((a, b) -> a + "; " + b).orElseThrow(), false, violations);
        }
        UpgradeRequest request = json.treeToValue(body, UpgradeRequest.class);
        StorableInput.require("taskOutput", request.taskOutput());
        StorableInput.require("workflowInput", request.workflowInput());
        // requestedBy: the application key id, or "api-token"; null only in the open development mode.
        UpgradeStatus status = requests.request(workflowId, request, idempotencyKey,
                caller == null ? null : caller.getName());
        return ResponseEntity.ok()
                .location(URI.create("/api/workflow/upgrades/" + status.commandId()))
                .body(new Accepted(status.commandId(), status.status(), workflowId, status.fromVersion(),
                        status.toVersion()));
    }

    @GetMapping("/upgrades/{commandId}")
    public UpgradeStatus status(@PathVariable String commandId) {
        Identifiers.check("commandId", commandId);
        return statuses.find(commandId)
                .orElseThrow(() -> ApiException.notFound("Upgrade command " + commandId + " not found"));
    }

    @ExceptionHandler(UpgradeRequests.UpgradeRejectedException.class)
    ResponseEntity<io.upgrader.web.ErrorBody> rejected(UpgradeRequests.UpgradeRejectedException e) {
        Rejection rejection = e.rejection();
        HttpStatus status = switch (rejection.reason()) {
            case NOT_UPGRADABLE_STATUS, NO_RUNNING_TASK -> HttpStatus.CONFLICT;
            default -> HttpStatus.BAD_REQUEST;
        };
        return error(new ApiException(status, rejection.message(), false, rejection.fieldErrors().stream()
                .map(f -> new ValidationError(f.path(), f.message())).toList()));
    }

    @ExceptionHandler(UpgradeRequests.IdempotencyKeyReusedException.class)
    ResponseEntity<io.upgrader.web.ErrorBody> keyReused(UpgradeRequests.IdempotencyKeyReusedException e) {
        return error(new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage(), false,
                List.of(new ValidationError("Idempotency-Key", e.getMessage()))));
    }

    @ExceptionHandler(UpgradeCommandBus.CommandNotPublishedException.class)
    ResponseEntity<io.upgrader.web.ErrorBody> notPublished(UpgradeCommandBus.CommandNotPublishedException e) {
        return error(new ApiException(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), true, List.of()));
    }

    private static ResponseEntity<io.upgrader.web.ErrorBody> error(ApiException e) {
        return ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON).body(e.body());
    }
}
