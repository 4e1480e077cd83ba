package io.upgrader.upgrade;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link UpgradeStatusRecords} in a map, upserting by commandId as the store does. */
final class InMemoryUpgradeStatuses implements UpgradeStatusRecords {

    private final Map<String, UpgradeStatus> records = new LinkedHashMap<>();
    private final Map<String, KeyedRequest> byKey = new HashMap<>();
    private final Map<String, String> commands = new HashMap<>();

    @Override
    public Optional<UpgradeStatus> find(String commandId) {
        return Optional.ofNullable(records.get(commandId));
    }

    @Override
    public Map<String, UpgradeStatus> findFinal(Collection<String> commandIds) {
        Map<String, UpgradeStatus> found = new HashMap<>();
        for (String commandId : commandIds) {
            UpgradeStatus status = records.get(commandId);
            if (status != null && (status.status() == UpgradeStatus.State.NOOP
                    || status.status() == UpgradeStatus.State.REJECTED)) {
                found.put(commandId, status);
            }
        }
        return found;
    }

    @Override
    public boolean recordOutcome(UpgradeStatus outcome) {
        UpgradeStatus earlier = records.get(outcome.commandId());
        // As the store's $setOnInsert: an ACCEPTED record keeps its acceptance time.
        records.put(outcome.commandId(), earlier == null ? outcome : new UpgradeStatus(outcome.commandId(),
                outcome.workflowId(), outcome.workflowName(), outcome.status(), outcome.reason(), outcome.fromVersion(),
                outcome.toVersion(), outcome.skippedTasks(), earlier.acceptedAt(), outcome.completedAt(),
                outcome.rejection()));
        return earlier == null;
    }

    @Override
    public List<UpgradeStatus> recordOutcomes(List<UpgradeStatus> outcomes) {
        List<UpgradeStatus> created = new ArrayList<>();
        for (UpgradeStatus outcome : outcomes) {
            if (recordOutcome(outcome)) {
                created.add(outcome);
            }
        }
        return created;
    }

    @Override
    public Optional<KeyedRequest> findByIdempotencyKey(String workflowId, String key) {
        return Optional.ofNullable(byKey.get(workflowId + "\n" + key));
    }

    @Override
    public boolean insertAccepted(UpgradeStatus status, String idempotencyKey, String fingerprint,
                                  String commandJson) {
        if (idempotencyKey != null && byKey.containsKey(status.workflowId() + "\n" + idempotencyKey)) {
            return false;
        }
        records.put(status.commandId(), status);
        if (commandJson != null) {
            commands.put(status.commandId(), commandJson);
        }
        if (idempotencyKey != null) {
            byKey.put(status.workflowId() + "\n" + idempotencyKey, new KeyedRequest(status, fingerprint));
        }
        return true;
    }

    @Override
    public Optional<String> findCommand(String commandId) {
        return Optional.ofNullable(commands.get(commandId));
    }
}
