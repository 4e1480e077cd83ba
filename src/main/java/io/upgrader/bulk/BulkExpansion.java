package io.upgrader.bulk;

import io.upgrader.execution.ExecutionStore;
import io.upgrader.upgrade.BatchCommandIds;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeCommandBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.List;

/**
 * Turns a bulk upgrade into one command per selected execution, a page at a time: publish the page's
 * commands, then record the last workflowId reached. A crash between the two publishes the page again on
 * the next delivery; its commandIds are the same, so each execution is still upgraded once.
 */
@Component
public class BulkExpansion {

    private static final Logger log = LoggerFactory.getLogger(BulkExpansion.class);

    private final BulkBatchStore batches;
    private final ExecutionStore executions;
    private final UpgradeCommandBus commands;
    private final Clock clock;
    private final int pageSize;

    public BulkExpansion(BulkBatchStore batches, ExecutionStore executions, UpgradeCommandBus commands, Clock clock,
                         @Value("${upgrader.bulk.page-size:500}") int pageSize) {
        this.batches = batches;
        this.executions = executions;
        this.commands = commands;
        this.clock = clock;
        this.pageSize = pageSize;
    }

    public void expand(String batchId) {
        BulkBatch batch = batches.find(batchId).orElse(null);
        if (batch == null) {
            log.warn("Bulk upgrade {} is unknown; nothing to expand", batchId);
            return;
        }
        String cursor = batch.cursor();
        while (batch.state() == BulkBatch.State.EXPANDING) {
            BulkUpgradeRequest request = batch.request();
            List<String> page = executions.selectIds(request.name(), request.fromVersions(), request.statuses(),
                    request.workflowIds(), cursor, pageSize);
            if (page.isEmpty()) {
                batches.markExpanded(batchId, clock.instant());
                log.info("Bulk upgrade {} expanded", batchId);
                return;
            }
            var now = clock.instant();
            String requestedBy = batch.requestedBy();
            commands.publishAll(page.stream().map(workflowId -> new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION,
                    BatchCommandIds.commandId(batchId, workflowId), workflowId, request.name(), request.toVersion(),
                    request.taskOutput(), request.workflowInput(), now, requestedBy, request.taskMapping())).toList());
            String last = page.get(page.size() - 1);
            if (batches.advance(batchId, cursor, last, page.size())) {
                cursor = last;
            } else {
                batch = batches.find(batchId).orElseThrow();
                cursor = batch.cursor();
            }
        }
    }
}
