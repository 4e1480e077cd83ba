package io.upgrader.upgrade;

import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import io.upgrader.execution.Task;
import io.upgrader.execution.UpgradableExecutions;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import io.upgrader.input.Identifiers;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** The upgrade API: the reference POST (answered once the command is on Kafka) and the status look-up. */
@RestController
@RequestMapping("/api/workflow")
public class UpgradeController {

    /** The 200 body of an accepted upgrade. */
    public record Accepted(String commandId, UpgradeStatus.State status, String workflowId, Integer fromVersion,
                           int toVersion) {
    }

    private static final int MAX_WAIT_SECONDS = 30;

    private final UpgradeRequests requests;
    private final UpgradeStatuses statuses;
    private final UpgradableExecutions executions;
    private final JsonMapper json;
    private final UpgradeOutcomes outcomes;

    public UpgradeController(UpgradeRequests requests, UpgradeStatuses statuses, UpgradableExecutions executions,
                             JsonMapper json, UpgradeOutcomes outcomes) {
        this.requests = requests;
        this.statuses = statuses;
        this.executions = executions;
        this.json = json;
        this.outcomes = outcomes;
    }

    /** The answer to a dry run: what the upgrade would do, from the state as it is now. */
    public record Plan(boolean dryRun, String outcome, String workflowId, int fromVersion, int toVersion,
                       String runningTask, List<String> skippedTasks, Map<String, Object> input,
                       Map<String, String> taskMapping, List<String> runningTasks,
                       List<UpgradeOutcome.SkippedTask> skipped, List<String> started) {
    }

    @PostMapping(path = "/{workflowId}/upgrade", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<?> upgrade(@PathVariable String workflowId, @RequestBody JsonNode body,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey, Principal caller,
            @RequestParam(defaultValue = "false") boolean dryRun,
            @RequestParam(required = false) Integer waitForSeconds) {
        Identifiers.checkWorkflowId(workflowId);
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 256)) {
            throw InvalidInputException.of("Idempotency-Key", "Idempotency-Key must be 1 to 256 characters");
        }
        if (waitForSeconds != null && (waitForSeconds < 0 || waitForSeconds > MAX_WAIT_SECONDS)) {
            throw InvalidInputException.of("waitForSeconds", "waitForSeconds must be between 0 and "
                    + MAX_WAIT_SECONDS);
        }
        UpgradeRequest request = UpgradeRequestBody.read(json, body);
        if (dryRun) {
            return ResponseEntity.ok(plan(workflowId, request, requests.preview(workflowId, request)));
        }
        if (waitForSeconds == null || waitForSeconds == 0) {
            return accept(workflowId, request, idempotencyKey, caller);
        }
        // The place among the waiters is taken first: refused (429), the request has published nothing.
        try (UpgradeOutcomes.Waiter waiter = outcomes.reserve()) {
            ResponseEntity<Accepted> accepted = accept(workflowId, request, idempotencyKey, caller);
            Accepted pending = accepted.getBody();
            UpgradeStatus outcome = waiter.awaitFinal(pending.commandId(), Duration.ofSeconds(waitForSeconds));
            URI location = accepted.getHeaders().getLocation();
            return switch (outcome.status()) {
                case APPLIED, NOOP -> ResponseEntity.ok().location(location).body(outcome);
                // As a rejection at request time would have been answered, but without field errors: the
                // consumer records only the reason.
                case REJECTED -> throw new UpgradeRequests.UpgradeRejectedException(
                        new Rejection(outcome.rejection(), outcome.reason(), List.of()));
                case ACCEPTED -> ResponseEntity.accepted().location(location).body(pending);
            };
        }
    }

    private ResponseEntity<Accepted> accept(String workflowId, UpgradeRequest request, String idempotencyKey,
                                            Principal caller) {
        // requestedBy: the application key id, or "api-token"; null only in the open development mode.
        UpgradeStatus status = requests.request(workflowId, request, idempotencyKey,
                caller == null ? null : caller.getName());
        URI location = URI.create("/api/workflow/upgrades/" + status.commandId());
        return ResponseEntity.ok().location(location).body(new Accepted(status.commandId(), status.status(),
                workflowId, status.fromVersion(), status.toVersion()));
    }

    /** The execution's applied upgrades, newest first. */
    @GetMapping("/{workflowId}/upgrades")
    public List<UpgradeHistoryEntry> history(@PathVariable String workflowId) {
        Workflow workflow = executions.find(Identifiers.checkWorkflowId(workflowId))
                .orElseThrow(() -> new NotFoundException("Workflow " + workflowId + " not found"));
        List<UpgradeHistoryEntry> newestFirst = new ArrayList<>(workflow.upgradeHistory());
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    private static Plan plan(String workflowId, UpgradeRequest request, UpgradeRequests.Preview preview) {
        Workflow current = preview.current();
        if (preview.outcome() instanceof UpgradeOutcome.Upgraded upgraded) {
            UpgradeOutcome.Changes changes = upgraded.changes();
            return new Plan(true, "UPGRADE", workflowId, current.workflowVersion(), request.version(),
                    changes.kept().isEmpty() ? null : changes.kept().get(0), upgraded.entry().skippedTasks(),
                    upgraded.workflow().input(), request.taskMapping(), changes.kept(), changes.skipped(),
                    changes.started());
        }
        List<String> running = current.runningTasks().stream().map(Task::referenceTaskName).toList();
        return new Plan(true, "NOOP", workflowId, current.workflowVersion(), request.version(),
                running.isEmpty() ? null : running.get(0), List.of(), current.input(), request.taskMapping(), running,
                List.of(), List.of());
    }

    @GetMapping("/upgrades/{commandId}")
    public UpgradeStatus status(@PathVariable String commandId) {
        Identifiers.check("commandId", commandId);
        return statuses.find(commandId)
                .orElseThrow(() -> new NotFoundException("Upgrade command " + commandId + " not found"));
    }
}
