package io.upgrader.bulk;

import io.upgrader.upgrade.BatchCommandIds;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeCommandBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.List;

/**
 * Turns a bulk upgrade into one command per selected execution, one page per delivery of its batchId: publish
 * the page's commands, record the last workflowId reached (the cursor), then send the batchId to the bulk topic
 * again for the next page; a page shorter than the page size is the last one. One poll thus does a bounded amount
 * of work whatever the size of the batch. A crash between publishing and recording publishes the page again on
 * the next delivery; its commandIds are the same, so each execution is still upgraded once. A continuation lost
 * in a crash is sent again by {@link BulkResumer}.
 */
@Component
public class BulkExpansion {

    private static final Logger log = LoggerFactory.getLogger(BulkExpansion.class);

    private final BulkBatches batches;
    private final ExecutionSelection executions;
    private final UpgradeCommandBus commands;
    private final BulkBatchSender sender;
    private final Clock clock;
    private final int pageSize;

    public BulkExpansion(BulkBatches batches, ExecutionSelection executions, UpgradeCommandBus commands,
                         BulkBatchSender sender, Clock clock, BulkProperties properties) {
        this.batches = batches;
        this.executions = executions;
        this.commands = commands;
        this.sender = sender;
        this.clock = clock;
        this.pageSize = properties.pageSize();
    }

    /** One step: publishes the next page and asks for the following one. */
    public void expand(String batchId) {
        BulkBatch batch = batches.find(batchId).orElse(null);
        if (batch == null) {
            log.warn("Bulk upgrade {} is unknown; nothing to expand", batchId);
            return;
        }
        if (batch.state() != BulkBatch.State.EXPANDING) {
            return;
        }
        String cursor = batch.cursor();
        BulkUpgradeRequest request = batch.request();
        List<String> page = executions.selectIds(request.name(), request.fromVersions(), request.statuses(),
                request.workflowIds(), cursor, pageSize);
        if (page.isEmpty()) {
            if (batches.markExpanded(batchId, cursor, clock.instant())) {
                log.info("Bulk upgrade {} expanded", batchId);
            }
            return;
        }
        var now = clock.instant();
        String requestedBy = batch.requestedBy();
        commands.publishAll(page.stream().map(workflowId -> new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION,
                BatchCommandIds.commandId(batchId, workflowId), workflowId, request.name(), request.toVersion(),
                request.taskOutput(), request.workflowInput(), now, requestedBy, request.taskMapping())).toList());
        String last = page.get(page.size() - 1);
        if (!batches.advance(batchId, cursor, last, page.size(), clock.instant())) {
            // Another delivery of this batch moved it on first; that one continues it.
            return;
        }
        if (page.size() < pageSize) {
            if (batches.markExpanded(batchId, last, clock.instant())) {
                log.info("Bulk upgrade {} expanded", batchId);
            }
            return;
        }
        // The next page in a poll of its own. Should this send fail, the listener's retry runs this step again
        // (a page further on), and the resumer sends the batch again once its cursor stood still long enough.
        sender.send(batchId);
    }
}
