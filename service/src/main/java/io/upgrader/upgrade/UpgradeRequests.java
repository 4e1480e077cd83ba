package io.upgrader.upgrade;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.upgrader.definition.WorkflowDefinitions;
import io.upgrader.error.DomainException;
import io.upgrader.error.FieldError;
import io.upgrader.execution.UpgradableExecutions;
import io.upgrader.execution.Workflow;
import org.springframework.stereotype.Component;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP side of an upgrade: checks the request against the current state with the same planner the
 * consumer uses, records it as ACCEPTED and hands it to the command bus. Nothing is applied here.
 */
@Component
public class UpgradeRequests {

    private final UpgradableExecutions executions;
    private final WorkflowDefinitions definitions;
    private final UpgradeStatusRecords statuses;
    private final UpgradeStatuses outcomes;
    private final UpgradeCommandBus commands;
    private final Clock clock;
    private final JsonMapper canonicalJson;
    private final JsonMapper json;
    private final Timer checkTime;
    private final Timer recordTime;
    private final Timer publishTime;

    /** Time an accepted upgrade spent in each step of the request, tagged stage = check | record | publish. */
    public static final String ACCEPT_METRIC = "upgrader.upgrade.accept";

    public UpgradeRequests(UpgradableExecutions executions, WorkflowDefinitions definitions,
                           UpgradeStatusRecords statuses, UpgradeStatuses outcomes, UpgradeCommandBus commands,
                           Clock clock, JsonMapper json, MeterRegistry meters) {
        this.executions = executions;
        this.definitions = definitions;
        this.statuses = statuses;
        this.outcomes = outcomes;
        this.json = json;
        this.commands = commands;
        this.clock = clock;
        this.canonicalJson = json.rebuild().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
        this.checkTime = stageTimer(meters, "check", "reading the execution and the definition, and planning");
        this.recordTime = stageTimer(meters, "record", "storing the ACCEPTED status with its command");
        this.publishTime = stageTimer(meters, "publish", "handing the command to Kafka until acknowledged");
    }

    private static Timer stageTimer(MeterRegistry meters, String stage, String description) {
        return Timer.builder(ACCEPT_METRIC).tag("stage", stage).description(description).register(meters);
    }

    /**
     * An upgrade that was not accepted, with the planner's reason: a conflict when the execution is not in a
     * state to upgrade (the request may be fine), otherwise invalid input.
     */
    public static class UpgradeRejectedException extends DomainException {
        private final Rejection rejection;

        public UpgradeRejectedException(Rejection rejection) {
            super(kindOf(rejection.reason()), rejection.message(), rejection.fieldErrors(), null);
            this.rejection = rejection;
        }

        private static Kind kindOf(Rejection.Reason reason) {
            return reason == Rejection.Reason.NOT_UPGRADABLE_STATUS || reason == Rejection.Reason.NO_RUNNING_TASK
                    ? Kind.CONFLICT : Kind.INVALID_INPUT;
        }

        public Rejection rejection() {
            return rejection;
        }
    }

    /** The same Idempotency-Key was used before for a different request body. */
    public static class IdempotencyKeyReusedException extends DomainException {
        public IdempotencyKeyReusedException(String message) {
            super(Kind.UNPROCESSABLE, message, List.of(new FieldError("Idempotency-Key", message)), null);
        }
    }

    /**
     * The ACCEPTED status is the outbox: it is stored with the command before the command is published, and it
     * is never deleted. When the publish fails the caller gets a {@link UpgradeCommandBus.CommandNotPublishedException}
     * (503, retryable) and the {@link OutboxRelay} publishes the command later; a retry with the same key
     * publishes the same command (same commandId) again. One Idempotency-Key never gets a second commandId.
     *
     * @param idempotencyKey optional; a repeated key for the same workflow returns the first command's status
     * @return the ACCEPTED status, or the current status of the command a repeated key names
     */
    public UpgradeStatus request(String workflowId, UpgradeRequest request, String idempotencyKey, String requestedBy) {
        String fingerprint = idempotencyKey == null ? null : fingerprint(request);
        if (idempotencyKey != null) {
            var earlier = statuses.findByIdempotencyKey(workflowId, idempotencyKey);
            if (earlier.isPresent()) {
                return replay(earlier.get(), fingerprint, idempotencyKey);
            }
        }
        Instant now = clock.instant();
        UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, UUID.randomUUID().toString(),
                workflowId, request.name(), request.version(), request.taskOutput(), request.workflowInput(), now,
                requestedBy, request.taskMapping());
        long started = System.nanoTime();
        Workflow current = executions.find(workflowId).orElse(null);
        // A definition up to a few seconds old is enough here: the consumer plans again with the store's.
        UpgradeOutcome outcome = UpgradePlanner.plan(current, definitions.findRecent(request.name(),
                request.version()).orElse(null), command, now);
        if (outcome instanceof UpgradeOutcome.Rejected rejected) {
            throw new UpgradeRejectedException(rejected.rejection());
        }
        UpgradeStatus accepted = new UpgradeStatus(command.commandId(), workflowId, current.workflowName(),
                UpgradeStatus.State.ACCEPTED, null, current.workflowVersion(), request.version(), List.of(), now, null,
                null);
        long checked = System.nanoTime();
        checkTime.record(checked - started, TimeUnit.NANOSECONDS);
        if (!statuses.insertAccepted(accepted, idempotencyKey, fingerprint, json.writeValueAsString(command))) {
            // Another request with the same key won the race; answer as it did.
            var winner = statuses.findByIdempotencyKey(workflowId, idempotencyKey);
            if (winner.isEmpty()) {
                throw new UpgradeCommandBus.CommandNotPublishedException("A concurrent request with Idempotency-Key '"
                        + idempotencyKey + "' holds this upgrade but its record could not be read; retry with the "
                        + "same key", null);
            }
            return replay(winner.get(), fingerprint, idempotencyKey);
        }
        long recorded = System.nanoTime();
        recordTime.record(recorded - checked, TimeUnit.NANOSECONDS);
        publish(command);
        publishTime.record(System.nanoTime() - recorded, TimeUnit.NANOSECONDS);
        return accepted;
    }

    /**
     * A request whose Idempotency-Key is already recorded: the same body answers as the first did and, while its
     * command is still ACCEPTED (not yet applied), publishes that command again, as it may never have reached
     * Kafka. A second copy on the topic is harmless: the apply is idempotent by commandId.
     */
    private UpgradeStatus replay(UpgradeStatusRecords.KeyedRequest earlier, String fingerprint, String key) {
        UpgradeStatus first = sameRequestOrFail(earlier, fingerprint, key);
        if (first.status() != UpgradeStatus.State.ACCEPTED) {
            return first;
        }
        boolean pending = outcomes.find(first.commandId()).map(s -> s.status() == UpgradeStatus.State.ACCEPTED)
                .orElse(true);
        if (pending) {
            statuses.findCommand(first.commandId())
                    .ifPresent(body -> publish(json.readValue(body, UpgradeCommand.class)));
        }
        return first;
    }

    /** Publishes a command already recorded; on failure the record stays for the relay or a retry. */
    private void publish(UpgradeCommand command) {
        try {
            commands.publish(command);
        } catch (UpgradeCommandBus.CommandNotPublishedException e) {
            throw new UpgradeCommandBus.CommandNotPublishedException("Upgrade command " + command.commandId()
                    + " is recorded but Kafka did not acknowledge it in time. It will be published "
                    + "again by the service; retrying with the same Idempotency-Key publishes the same command, "
                    + "which is applied at most once", e);
        }
    }

    /** What the request would do now, from the same checks as {@link #request}; nothing is stored or published. */
    public Preview preview(String workflowId, UpgradeRequest request) {
        Instant now = clock.instant();
        UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, "dry-run", workflowId,
                request.name(), request.version(), request.taskOutput(), request.workflowInput(), now, null,
                request.taskMapping());
        Workflow current = executions.find(workflowId).orElse(null);
        UpgradeOutcome outcome = UpgradePlanner.plan(current, definitions.find(request.name(), request.version())
                .orElse(null), command, now);
        if (outcome instanceof UpgradeOutcome.Rejected rejected) {
            throw new UpgradeRejectedException(rejected.rejection());
        }
        return new Preview(current, outcome);
    }

    /** A dry run's answer: the execution as it is, and what the planner would make of it. */
    public record Preview(Workflow current, UpgradeOutcome outcome) {
    }

    private static UpgradeStatus sameRequestOrFail(UpgradeStatusRecords.KeyedRequest earlier, String fingerprint,
                                                   String key) {
        if (!fingerprint.equals(earlier.fingerprint())) {
            throw new IdempotencyKeyReusedException("Idempotency-Key '" + key + "' was already used for a different "
                    + "upgrade request of this workflow (command " + earlier.status().commandId() + ")");
        }
        return earlier.status();
    }

    private String fingerprint(UpgradeRequest request) {
        byte[] canonical = canonicalJson.writeValueAsBytes(Map.of("name", request.name(), "version", request.version(),
                "taskOutput", request.taskOutput(), "workflowInput", request.workflowInput(),
                "taskMapping", request.taskMapping()));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
