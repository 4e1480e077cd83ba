package io.upgrader.upgrade;

import io.upgrader.definition.DefinitionStore;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.ExecutionStore;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Applies one command to the stored execution, exactly once in effect however often it is delivered:
 * an APPLIED command is recognised by the execution's upgradeHistory, a NOOP or REJECTED one by its
 * recorded status, and in both cases only its event is emitted again. A conflicting concurrent write
 * makes it read the fresh state and plan again.
 */
@Component
public class UpgradeApplier {

    private static final Logger log = LoggerFactory.getLogger(UpgradeApplier.class);

    /** Commands handled by this instance, tagged outcome = applied | noop | rejected | redelivered. */
    public static final String COMMANDS_METRIC = "upgrader.upgrade.commands";

    private final ExecutionStore executions;
    private final DefinitionStore definitions;
    private final UpgradeStatusStore statuses;
    private final UpgradeEventSink events;
    private final Clock clock;
    private final int maxAttempts;
    private final MeterRegistry meters;

    public UpgradeApplier(ExecutionStore executions, DefinitionStore definitions, UpgradeStatusStore statuses,
                          UpgradeEventSink events, Clock clock,
                          @Value("${upgrader.apply.max-conflict-retries:16}") int maxAttempts, MeterRegistry meters) {
        this.executions = executions;
        this.definitions = definitions;
        this.statuses = statuses;
        this.events = events;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.meters = meters;
    }

    public UpgradeEvent apply(UpgradeCommand command) {
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Optional<UpgradeStatus> outcome = tryApply(command);
            if (outcome.isPresent()) {
                UpgradeEvent event = UpgradeEvent.of(outcome.get());
                events.publish(event);
                return event;
            }
            log.debug("Conflict applying command {} to workflow {} (attempt {}); re-reading",
                    command.commandId(), command.workflowId(), attempt);
        }
        throw new ConcurrentUpdateException("Workflow " + command.workflowId() + " kept changing; command "
                + command.commandId() + " not applied after " + maxAttempts + " attempts");
    }

    /** @return the final status, or empty when the execution changed underneath and it must be planned again */
    private Optional<UpgradeStatus> tryApply(UpgradeCommand command) {
        Workflow current = executions.find(command.workflowId()).orElse(null);
        if (current != null) {
            Optional<UpgradeHistoryEntry> applied = current.upgradeApplied(command.commandId());
            if (applied.isPresent()) {
                count("redelivered");
                return Optional.of(record(applied(command, current, applied.get())));
            }
        }
        Optional<UpgradeStatus> known = statuses.find(command.commandId()).filter(s -> s.status().isFinal());
        if (known.isPresent()) {
            count("redelivered");
            return known;
        }
        WorkflowDef target = definitions.find(command.name(), command.version()).orElse(null);
        Instant now = clock.instant();
        UpgradeOutcome planned = UpgradePlanner.plan(current, target, command, now);
        if (planned instanceof UpgradeOutcome.Upgraded upgraded) {
            if (!executions.replaceUpgraded(upgraded.workflow(), current.revision(), command.commandId())) {
                return Optional.empty();
            }
            count("applied");
            log.info("Upgraded workflow {} from version {} to {} (command {}, skipped {})", command.workflowId(),
                    upgraded.entry().fromVersion(), upgraded.entry().toVersion(), command.commandId(),
                    upgraded.entry().skippedTasks());
            return Optional.of(record(applied(command, current, upgraded.entry())));
        }
        if (planned instanceof UpgradeOutcome.Unchanged) {
            count("noop");
            return Optional.of(record(new UpgradeStatus(command.commandId(), command.workflowId(),
                    current.workflowName(), UpgradeStatus.State.NOOP, null, current.workflowVersion(),
                    command.version(), List.of(), command.requestedAt(), now)));
        }
        UpgradeOutcome.Rejected rejected = (UpgradeOutcome.Rejected) planned;
        count("rejected");
        log.info("Rejected command {} for workflow {}: {}", command.commandId(), command.workflowId(),
                rejected.rejection().message());
        return Optional.of(record(new UpgradeStatus(command.commandId(), command.workflowId(),
                current == null ? command.name() : current.workflowName(), UpgradeStatus.State.REJECTED,
                rejected.rejection().message(), current == null ? null : current.workflowVersion(),
                command.version(), List.of(), command.requestedAt(), now)));
    }

    private static UpgradeStatus applied(UpgradeCommand command, Workflow workflow, UpgradeHistoryEntry entry) {
        return new UpgradeStatus(command.commandId(), command.workflowId(), workflow.workflowName(),
                UpgradeStatus.State.APPLIED, null, entry.fromVersion(), entry.toVersion(), entry.skippedTasks(),
                command.requestedAt(), entry.appliedAt());
    }

    private UpgradeStatus record(UpgradeStatus status) {
        statuses.recordOutcome(status);
        return status;
    }

    /** "applied" is counted right after the execution's conditional write succeeded: once per change. */
    private void count(String outcome) {
        meters.counter(COMMANDS_METRIC, "outcome", outcome).increment();
    }

    /** Retryable: the command is delivered again later and planned against the state it then finds. */
    public static class ConcurrentUpdateException extends RuntimeException {
        public ConcurrentUpdateException(String message) {
            super(message);
        }
    }
}
