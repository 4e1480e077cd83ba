package io.upgrader.bulk;

import io.upgrader.background.FixedDelayJob;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.List;

/**
 * Every {@code upgrader.bulk.resume-interval}, each instance sends again to the bulk topic the batchId of every
 * batch still EXPANDING whose cursor has not moved for {@code upgrader.bulk.resume-after}: a send that failed
 * when the batch was requested (answered 503, the batch kept), or a continuation lost in a crash. Safe when the
 * batch was merely slow: commandIds derive from (batchId, workflowId), so a page published twice is applied once.
 * Each resumption is claimed by moving the batch's movedAt, so one instance sends it per period. The same pass
 * reconciles the counters of quiet batches ({@link BatchRecounts#reconcile}).
 */
@Component
public class BulkResumer {

    private static final Logger log = LoggerFactory.getLogger(BulkResumer.class);
    private static final int PAGE = 100;

    private final BulkBatches batches;
    private final BatchRecounts counts;
    private final BulkBatchSender sender;
    private final Clock clock;
    private final BulkProperties properties;
    private final FixedDelayJob job;

    public BulkResumer(BulkBatches batches, BatchRecounts counts, BulkBatchSender sender, Clock clock,
                       BulkProperties properties) {
        this.batches = batches;
        this.counts = counts;
        this.sender = sender;
        this.clock = clock;
        this.properties = properties;
        this.job = new FixedDelayJob("bulk-resumer", properties.resumeInterval(), this::resumeOnce);
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        job.start();
    }

    /** One pass; never throws (it would cancel the schedule). @return batches sent again */
    public int resumeOnce() {
        int resumed = 0;
        try {
            List<BulkBatches.Stale> stale = batches.findStale(clock.instant().minus(properties.resumeAfter()), PAGE);
            for (BulkBatches.Stale batch : stale) {
                if (batches.claimResume(batch, clock.instant())) {
                    sender.send(batch.batchId());
                    resumed++;
                    log.info("Bulk upgrade {} still expanding with its cursor unmoved since {}: sent again",
                            batch.batchId(), batch.movedAt().toInstant());
                }
            }
            int recounted = counts.reconcile(clock.instant().minus(properties.resumeAfter()), PAGE);
            if (recounted > 0) {
                log.info("Counted the outcomes of {} quiet bulk upgrades again from their statuses", recounted);
            }
        } catch (RuntimeException e) {
            log.warn("Bulk resumer pass stopped after {} batches: {}", resumed, e.toString());
        }
        return resumed;
    }

    @PreDestroy
    void stop() {
        job.stop();
    }
}
