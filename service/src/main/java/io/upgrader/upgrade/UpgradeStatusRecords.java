package io.upgrader.upgrade;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The recorded status of each upgrade command, as the upgrade core reads and writes it: the ACCEPTED record (the
 * outbox, with its Idempotency-Key) and the final outcome. A final NOOP or REJECTED record is also how a redelivered
 * command is recognised. {@code mongo.upgrade.UpgradeStatusStore} is the MongoDB implementation.
 */
public interface UpgradeStatusRecords {

    Optional<UpgradeStatus> find(String commandId);

    /** The NOOP and REJECTED outcomes already recorded among these commands, by commandId. */
    Map<String, UpgradeStatus> findFinal(Collection<String> commandIds);

    /**
     * Records a final outcome; creates the record for commands that did not come through HTTP.
     *
     * @return true when this created the record: the first time this command's outcome is recorded
     */
    boolean recordOutcome(UpgradeStatus outcome);

    /**
     * {@link #recordOutcome} for several outcomes at once (idempotent by commandId).
     *
     * @return the outcomes whose record this created
     */
    List<UpgradeStatus> recordOutcomes(List<UpgradeStatus> outcomes);

    Optional<KeyedRequest> findByIdempotencyKey(String workflowId, String key);

    /**
     * @param commandJson the command as the command schema's JSON, kept for the outbox relay; null for none
     * @return false when another request already holds this Idempotency-Key for this workflow
     */
    boolean insertAccepted(UpgradeStatus status, String idempotencyKey, String fingerprint, String commandJson);

    /** The command JSON stored with an ACCEPTED record, if it has one. */
    Optional<String> findCommand(String commandId);

    /** A command accepted earlier under an Idempotency-Key, with the fingerprint of the request body. */
    record KeyedRequest(UpgradeStatus status, String fingerprint) {
    }
}
