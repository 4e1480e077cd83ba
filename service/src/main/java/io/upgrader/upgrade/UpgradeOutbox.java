package io.upgrader.upgrade;

import java.time.Instant;
import java.util.List;

/**
 * The outbox: the upgrade commands still ACCEPTED, each stored with its command before it was published, as the
 * {@link OutboxRelay} reads them to publish them again; and the status records, where the relay records what it
 * found final. {@code mongo.upgrade.UpgradeStatusStore} is the MongoDB implementation.
 */
public interface UpgradeOutbox extends UpgradeStatusRecords {

    /**
     * One page of the commands still ACCEPTED that were accepted before {@code cutoff}, ordered by
     * (acceptedAt, commandId), after {@code after} (null: from the start).
     */
    List<Outboxed> findAcceptedBefore(Instant cutoff, Outboxed after, int limit);

    /**
     * A command still ACCEPTED, as the outbox relay reads it; {@code commandJson} is null on older records.
     * {@code acceptedAt} is the stored value, only handed back as the position of the next page.
     */
    record Outboxed(String commandId, String workflowId, Object acceptedAt, String commandJson) {
    }
}
