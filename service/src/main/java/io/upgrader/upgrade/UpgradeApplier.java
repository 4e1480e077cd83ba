package io.upgrader.upgrade;

import io.micrometer.core.instrument.MeterRegistry;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowDefinitions;
import io.upgrader.error.DomainException;
import io.upgrader.execution.ApplyProperties;
import io.upgrader.execution.ExecutionChanges;
import io.upgrader.execution.UpgradableExecutions;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Applies commands to the stored executions, exactly once in effect however often they are delivered:
 * an APPLIED command is recognised by the execution's upgradeHistory (its status is recorded too, after the
 * execution's write), a NOOP or REJECTED one by its recorded status, and in both cases only its event is
 * emitted again. A conflicting concurrent write
 * makes it read the fresh state and plan again.
 */
@Component
public class UpgradeApplier {

    private static final Logger log = LoggerFactory.getLogger(UpgradeApplier.class);

    /** Commands handled by this instance, tagged outcome = applied | noop | rejected | redelivered. */
    public static final String COMMANDS_METRIC = "upgrader.upgrade.commands";

    private final UpgradableExecutions executions;
    private final WorkflowDefinitions definitions;
    private final UpgradeStatusRecords statuses;
    private final UpgradeEventSink events;
    private final Clock clock;
    private final int maxAttempts;
    private final MeterRegistry meters;
    private final ExecutionChanges changes;
    private final BatchOutcomeCounts batchCounts;
    private final int readChunk;
    private final long readBudget;
    /** Told of each final status once its event is sent, to wake the requests waiting for it. */
    private UpgradeOutcomes outcomes;
    /** Around each command's own part of an apply: its trace span and commandId in the logs. */
    private CommandScopes scopes = CommandScopes.NONE;

    public UpgradeApplier(UpgradableExecutions executions, WorkflowDefinitions definitions,
                          UpgradeStatusRecords statuses, UpgradeEventSink events, Clock clock,
                          ApplyProperties apply, MeterRegistry meters,
                          ExecutionChanges changes, BatchOutcomeCounts batchCounts) {
        this.executions = executions;
        this.definitions = definitions;
        this.statuses = statuses;
        this.events = events;
        this.clock = clock;
        this.maxAttempts = apply.maxConflictRetries();
        this.meters = meters;
        this.changes = changes;
        this.batchCounts = batchCounts;
        this.readChunk = apply.readChunk();
        this.readBudget = apply.readBudget().toBytes();
        for (String outcome : List.of("applied", "noop", "rejected", "redelivered")) {
            meters.counter(COMMANDS_METRIC, "outcome", outcome); // at zero from the start, so that rates exist
        }
    }

    @org.springframework.beans.factory.annotation.Autowired(required = false)
    void notifyOutcomesTo(UpgradeOutcomes outcomes) {
        this.outcomes = outcomes;
    }

    @org.springframework.beans.factory.annotation.Autowired(required = false)
    void scopeCommandsWith(CommandScopes scopes) {
        this.scopes = scopes;
    }

    private void completed(UpgradeEvent event) {
        if (outcomes != null) {
            outcomes.completed(event.commandId());
        }
    }

    public UpgradeEvent apply(UpgradeCommand command) {
        try (CommandScopes.Scope scope = scopes.open(command)) {
            for (int attempt = 1; attempt <= maxAttempts; attempt++) {
                Optional<UpgradeStatus> outcome = tryApply(command);
                if (outcome.isPresent()) {
                    recordApplied(outcome.stream().toList());
                    UpgradeEvent event = UpgradeEvent.of(outcome.get());
                    events.publish(event);
                    completed(event);
                    return event;
                }
                log.debug("Conflict applying command {} to workflow {} (attempt {}); re-reading",
                        command.commandId(), command.workflowId(), attempt);
            }
        }
        throw new ConcurrentUpdateException("Workflow " + command.workflowId() + " kept changing; command "
                + command.commandId() + " not applied after " + maxAttempts + " attempts");
    }

    /**
     * Applies a poll's worth of commands with a few queries and one bulk write, then sends their events
     * together. Same rules as {@link #apply}: per-document conditions in the bulk write, so a conflict on one
     * execution sends only that command through the single path again; a second command for an execution
     * already in the batch follows it, in order, through the single path. The executions are read at most
     * {@code upgrader.apply.read-chunk} and about {@code upgrader.apply.read-budget} bytes at a time, so that a poll
     * of large executions never holds them all: the commands whose execution the budget left unread come first in
     * the next chunk.
     *
     * @return the events, in the order they were sent
     */
    public List<UpgradeEvent> applyAll(List<UpgradeCommand> commands) {
        List<UpgradeEvent> sent = new ArrayList<>();
        List<UpgradeCommand> pending = new ArrayList<>(commands);
        while (!pending.isEmpty()) {
            List<UpgradeCommand> chunk = pending.subList(0, Math.min(pending.size(), readChunk));
            Chunk done = applyChunk(List.copyOf(chunk));
            chunk.clear();
            sent.addAll(done.sent());
            pending.addAll(0, done.unread());
        }
        return sent;
    }

    /** What a chunk sent, and its commands (in order) whose executions were not read within the budget. */
    private record Chunk(List<UpgradeEvent> sent, List<UpgradeCommand> unread) {
    }

    private Chunk applyChunk(List<UpgradeCommand> commands) {
        Set<String> ids = new LinkedHashSet<>();
        commands.forEach(command -> ids.add(command.workflowId()));
        UpgradableExecutions.Reading reading = executions.findWithin(ids, readBudget);
        Map<String, Workflow> current = reading.found();
        if (current.isEmpty() && !reading.unread().isEmpty()) {
            // A store that reads nothing within the budget would never finish the poll.
            throw new IllegalStateException("The store read no execution of " + ids.size() + " within the budget");
        }
        List<UpgradeCommand> unread = new ArrayList<>();
        List<UpgradeCommand> batch = new ArrayList<>();
        List<UpgradeCommand> afterwards = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (UpgradeCommand command : commands) {
            if (reading.unread().contains(command.workflowId())) {
                unread.add(command);
            } else {
                (seen.add(command.workflowId()) ? batch : afterwards).add(command);
            }
        }
        Map<String, UpgradeStatus> known = statuses.findFinal(batch.stream().map(UpgradeCommand::commandId).toList());
        Map<String, Optional<WorkflowDef>> targets = new HashMap<>();
        Instant now = clock.instant();

        List<UpgradeEvent> ready = new ArrayList<>();
        List<UpgradeStatus> appliedStatuses = new ArrayList<>();
        List<PlannedUpgrade> planned = new ArrayList<>();
        for (UpgradeCommand command : batch) {
            try (CommandScopes.Scope scope = scopes.open(command)) {
                Workflow workflow = current.get(command.workflowId());
                Optional<UpgradeHistoryEntry> applied = workflow == null ? Optional.empty()
                        : workflow.upgradeApplied(command.commandId());
                if (applied.isPresent()) {
                    count("redelivered");
                    UpgradeStatus status = applied(command, workflow, applied.get());
                    appliedStatuses.add(status);
                    ready.add(UpgradeEvent.of(status));
                } else if (known.containsKey(command.commandId())) {
                    count("redelivered");
                    ready.add(UpgradeEvent.of(known.get(command.commandId())));
                } else {
                    WorkflowDef target = targets.computeIfAbsent(command.name() + "\n" + command.version(),
                            key -> definitions.find(command.name(), command.version())).orElse(null);
                    UpgradeOutcome outcome = UpgradePlanner.plan(workflow, target, command, now);
                    if (outcome instanceof UpgradeOutcome.Upgraded upgraded) {
                        planned.add(new PlannedUpgrade(command, upgraded, workflow));
                    } else {
                        ready.add(UpgradeEvent.of(recordUnapplied(command, workflow, outcome, now)));
                    }
                }
            }
        }
        Set<String> applied = executions.updateAllUpgraded(planned.stream().map(plan ->
                new UpgradableExecutions.UpgradeWrite(plan.read(), plan.upgraded().workflow(),
                        plan.command().commandId())).toList());
        for (PlannedUpgrade plan : planned) {
            if (applied.contains(plan.command().commandId())) {
                count("applied");
                changes.stored(plan.upgraded().workflow().withRevision(plan.read().revision() + 1));
                UpgradeStatus status = applied(plan.command(), plan.upgraded().workflow(), plan.upgraded().entry());
                appliedStatuses.add(status);
                ready.add(UpgradeEvent.of(status));
            } else {
                // Someone wrote this execution between our read and our write: plan it again, alone.
                afterwards.add(0, plan.command());
            }
        }
        recordApplied(appliedStatuses);
        events.publishAll(ready);
        ready.forEach(this::completed);
        List<UpgradeEvent> sent = new ArrayList<>(ready);
        for (UpgradeCommand command : afterwards) {
            sent.add(apply(command));
        }
        return new Chunk(sent, unread);
    }

    /**
     * Records APPLIED outcomes as statuses (before their events and offsets, and again on a redelivery: an upsert by
     * commandId): an HTTP command's ACCEPTED record becomes APPLIED at once, so the outbox relay never has to visit
     * it, and a bulk command's is counted by its batch the first time.
     */
    private void recordApplied(List<UpgradeStatus> outcomes) {
        batchCounts.firstRecorded(statuses.recordOutcomes(outcomes).stream().filter(UpgradeApplier::isBulk).toList());
    }

    /** Records a NOOP or REJECTED outcome; a batch counts it the first time. */
    private void recordFinal(UpgradeStatus status) {
        if (statuses.recordOutcome(status) && isBulk(status)) {
            batchCounts.firstRecorded(List.of(status));
        }
    }

    private static boolean isBulk(UpgradeStatus status) {
        return BatchCommandIds.batchIdOf(status.commandId()).isPresent();
    }

    /** A command whose upgrade is planned, with the stored execution it was planned from. */
    private record PlannedUpgrade(UpgradeCommand command, UpgradeOutcome.Upgraded upgraded, Workflow read) {
    }

    /** @return the final status, or empty when the execution changed underneath and it must be planned again */
    private Optional<UpgradeStatus> tryApply(UpgradeCommand command) {
        // The recorded status first: a command rejected because its execution cannot even be read is recognised.
        Optional<UpgradeStatus> known = statuses.find(command.commandId()).filter(s -> s.status().isFinal());
        if (known.isPresent()) {
            count("redelivered");
            return known;
        }
        Workflow current = executions.find(command.workflowId()).orElse(null);
        if (current != null) {
            Optional<UpgradeHistoryEntry> applied = current.upgradeApplied(command.commandId());
            if (applied.isPresent()) {
                count("redelivered");
                return Optional.of(applied(command, current, applied.get()));
            }
        }
        WorkflowDef target = definitions.find(command.name(), command.version()).orElse(null);
        Instant now = clock.instant();
        UpgradeOutcome planned = UpgradePlanner.plan(current, target, command, now);
        if (planned instanceof UpgradeOutcome.Upgraded upgraded) {
            if (!executions.updateUpgraded(current, upgraded.workflow(), command.commandId())) {
                return Optional.empty();
            }
            count("applied");
            // A fork branch the upgrade started may hold a task the server runs itself (HTTP, SUB_WORKFLOW).
            changes.stored(upgraded.workflow().withRevision(current.revision() + 1));
            log.debug("Upgraded workflow {} from version {} to {} (command {}, skipped {})", command.workflowId(),
                    upgraded.entry().fromVersion(), upgraded.entry().toVersion(), command.commandId(),
                    upgraded.entry().skippedTasks());
            return Optional.of(applied(command, current, upgraded.entry()));
        }
        return Optional.of(recordUnapplied(command, current, planned, now));
    }

    /**
     * Ends a command that cannot be applied whatever the retries (see kafka.CommandFailure) as REJECTED with this
     * public reason, and emits its event. The execution is left as it is; a redelivery is recognised by the status.
     *
     * @param rejection the planner's reason code when there is one, else null
     */
    public UpgradeEvent reject(UpgradeCommand command, String reason, Rejection.Reason rejection) {
        try (CommandScopes.Scope scope = scopes.open(command)) {
            count("rejected");
            UpgradeStatus status = new UpgradeStatus(command.commandId(), command.workflowId(), command.name(),
                    UpgradeStatus.State.REJECTED, reason, null, command.version(), List.of(), command.requestedAt(),
                    clock.instant(), rejection);
            recordFinal(status);
            UpgradeEvent event = UpgradeEvent.of(status);
            events.publish(event);
            completed(event);
            return event;
        }
    }

    /** NOOP and REJECTED leave the execution as it is: their recorded status is what recognises a redelivery. */
    private UpgradeStatus recordUnapplied(UpgradeCommand command, Workflow current, UpgradeOutcome outcome,
                                          Instant now) {
        UpgradeStatus status;
        if (outcome instanceof UpgradeOutcome.Unchanged) {
            count("noop");
            status = new UpgradeStatus(command.commandId(), command.workflowId(), current.workflowName(),
                    UpgradeStatus.State.NOOP, null, current.workflowVersion(), command.version(), List.of(),
                    command.requestedAt(), now, null);
        } else {
            Rejection rejection = ((UpgradeOutcome.Rejected) outcome).rejection();
            count("rejected");
            log.info("Rejected command {} for workflow {}: {}", command.commandId(), command.workflowId(),
                    rejection.message());
            status = new UpgradeStatus(command.commandId(), command.workflowId(),
                    current == null ? command.name() : current.workflowName(), UpgradeStatus.State.REJECTED,
                    rejection.message(), current == null ? null : current.workflowVersion(), command.version(),
                    List.of(), command.requestedAt(), now, rejection.reason());
        }
        recordFinal(status);
        return status;
    }

    private static UpgradeStatus applied(UpgradeCommand command, Workflow workflow, UpgradeHistoryEntry entry) {
        return new UpgradeStatus(command.commandId(), command.workflowId(), workflow.workflowName(),
                UpgradeStatus.State.APPLIED, null, entry.fromVersion(), entry.toVersion(), entry.skippedTasks(),
                command.requestedAt(), entry.appliedAt(), null);
    }

    /** "applied" is counted right after the execution's conditional write succeeded: once per change. */
    private void count(String outcome) {
        meters.counter(COMMANDS_METRIC, "outcome", outcome).increment();
    }

    /** Retryable: the command is delivered again later and planned against the state it then finds. */
    public static class ConcurrentUpdateException extends DomainException {
        public ConcurrentUpdateException(String message) {
            super(Kind.CONCURRENT_CHANGE, message);
        }
    }
}
