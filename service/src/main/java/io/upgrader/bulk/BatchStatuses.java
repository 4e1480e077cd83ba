package io.upgrader.bulk;

import io.upgrader.upgrade.UpgradeStatus;

import java.util.List;

/**
 * The upgrade statuses of one bulk upgrade's commands (their commandIds share the batch's prefix), a page at a
 * time, as its progress lists them; {@code mongo.upgrade.UpgradeStatusStore} is the MongoDB implementation.
 */
public interface BatchStatuses {

    /**
     * One page of the statuses in {@code state} of the commands whose commandId starts so, in commandId order
     * after {@code afterCommandId} (null: from the start).
     */
    List<UpgradeStatus> findByCommandIdPrefix(String prefix, UpgradeStatus.State state, String afterCommandId,
                                              int limit);
}
