package io.upgrader.baseline;

import io.upgrader.error.InvalidInputException;
import io.upgrader.execution.Workflow;
import io.upgrader.input.Identifiers;
import io.upgrader.mongo.definition.DefinitionStore;
import io.upgrader.mongo.execution.ExecutionStore;
import io.upgrader.upgrade.UpgradeApplier;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeController;
import io.upgrader.upgrade.UpgradeOutcome;
import io.upgrader.upgrade.UpgradePlanner;
import io.upgrader.upgrade.UpgradeRequest;
import io.upgrader.upgrade.UpgradeRequestBody;
import io.upgrader.upgrade.UpgradeStatus;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The benchmark's baseline, off by default: an upgrade done synchronously inside the HTTP request (read,
 * plan, conditional write; no Kafka, no event), the way synchronous implementations work. It shares the
 * request checks, the planner and the stores with the real path, and answers with the same body, so the
 * comparison measures the architecture, not the code.
 */
@RestController
@ConditionalOnProperty(name = "upgrader.baseline.sync-endpoint.enabled", havingValue = "true")
public class SynchronousUpgradeBaseline {

    private final ExecutionStore executions;
    private final DefinitionStore definitions;
    private final Clock clock;
    private final JsonMapper json;

    public SynchronousUpgradeBaseline(ExecutionStore executions, DefinitionStore definitions, Clock clock,
                                      JsonMapper json) {
        this.executions = executions;
        this.definitions = definitions;
        this.clock = clock;
        this.json = json;
    }

    @PostMapping(path = "/api/baseline/workflow/{workflowId}/upgrade", consumes = MediaType.APPLICATION_JSON_VALUE)
    public UpgradeController.Accepted upgrade(@PathVariable String workflowId, @RequestBody JsonNode body) {
        Identifiers.checkWorkflowId(workflowId);
        UpgradeRequest request = UpgradeRequestBody.read(json, body);
        UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, UUID.randomUUID().toString(),
                workflowId, request.name(), request.version(), request.taskOutput(), request.workflowInput(),
                clock.instant(), null, request.taskMapping());
        for (int attempt = 0; attempt < 16; attempt++) {
            Workflow current = executions.find(workflowId).orElse(null);
            Instant now = clock.instant();
            UpgradeOutcome outcome = UpgradePlanner.plan(current, definitions.find(request.name(), request.version())
                    .orElse(null), command, now);
            if (outcome instanceof UpgradeOutcome.Rejected rejected) {
                throw new InvalidInputException(rejected.rejection().message(), List.of());
            }
            if (!(outcome instanceof UpgradeOutcome.Upgraded upgraded)
                    || executions.updateUpgraded(current, upgraded.workflow(), command.commandId())) {
                UpgradeStatus.State state = outcome instanceof UpgradeOutcome.Upgraded ? UpgradeStatus.State.APPLIED
                        : UpgradeStatus.State.NOOP;
                return new UpgradeController.Accepted(command.commandId(), state, workflowId,
                        current.workflowVersion(), request.version());
            }
        }
        throw new UpgradeApplier.ConcurrentUpdateException("conflict");
    }
}
