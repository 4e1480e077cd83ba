package io.upgrader.baseline;

import io.upgrader.definition.DefinitionStore;
import io.upgrader.execution.ExecutionStore;
import io.upgrader.execution.Workflow;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeOutcome;
import io.upgrader.upgrade.UpgradePlanner;
import io.upgrader.upgrade.UpgradeRequest;
import io.upgrader.web.ApiException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The benchmark's baseline, off by default: an upgrade done synchronously inside the HTTP request (read,
 * plan, conditional write; no Kafka, no event), the way synchronous implementations work. It shares the
 * planner and the stores with the real path, so the comparison measures the architecture, not the code.
 */
@RestController
@ConditionalOnProperty(name = "upgrader.baseline.sync-endpoint.enabled", havingValue = "true")
public class SynchronousUpgradeBaseline {

    private final ExecutionStore executions;
    private final DefinitionStore definitions;
    private final Clock clock;

    public SynchronousUpgradeBaseline(ExecutionStore executions, DefinitionStore definitions, Clock clock) {
        this.executions = executions;
        this.definitions = definitions;
        this.clock = clock;
    }

    @PostMapping("/api/baseline/workflow/{workflowId}/upgrade")
    public void upgrade(@PathVariable String workflowId, @RequestBody UpgradeRequest request) {
        UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, UUID.randomUUID().toString(),
                workflowId, request.name(), request.version(), request.taskOutput(), request.workflowInput(),
                clock.instant(), null, request.taskMapping());
        for (int attempt = 0; attempt < 16; attempt++) {
            Workflow current = executions.find(workflowId).orElse(null);
            Instant now = clock.instant();
            UpgradeOutcome outcome = UpgradePlanner.plan(current, definitions.find(request.name(), request.version())
                    .orElse(null), command, now);
            if (outcome instanceof UpgradeOutcome.Rejected rejected) {
                throw new ApiException(HttpStatus.BAD_REQUEST, rejected.rejection().message(), false, List.of());
            }
            if (!(outcome instanceof UpgradeOutcome.Upgraded upgraded)
                    || executions.replaceUpgraded(upgraded.workflow(), current.revision(), command.commandId())) {
                return;
            }
        }
        throw new ApiException(HttpStatus.CONFLICT, "conflict", true, List.of());
    }
}
