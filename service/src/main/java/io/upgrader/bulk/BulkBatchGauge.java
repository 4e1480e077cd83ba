package io.upgrader.bulk;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.upgrader.background.FixedDelayJob;
import io.upgrader.observability.MetricsProperties;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gauge {@code upgrader.bulk.batches} (tag {@code state}): how many bulk upgrades are in each state, counted
 * through the {@code (state, movedAt)} index of {@code upgrade_batches} every {@code upgrader.metrics.refresh-interval}
 * in the background, not at each scrape. Every instance reports the same store-wide counts.
 */
@Component
public class BulkBatchGauge {

    public static final String METRIC = "upgrader.bulk.batches";

    private static final Logger log = LoggerFactory.getLogger(BulkBatchGauge.class);

    private final BulkBatches batches;
    private final Map<BulkBatch.State, AtomicLong> counts = new EnumMap<>(BulkBatch.State.class);
    private final FixedDelayJob job;

    public BulkBatchGauge(BulkBatches batches, MeterRegistry meters,
                          MetricsProperties metrics) {
        this.batches = batches;
        for (BulkBatch.State state : BulkBatch.State.values()) {
            AtomicLong count = new AtomicLong();
            counts.put(state, count);
            Gauge.builder(METRIC, count, AtomicLong::get).tag("state", state.name())
                    .description("Bulk upgrades in each state, store-wide (refreshed in the background)")
                    .register(meters);
        }
        this.job = new FixedDelayJob("bulk-batch-gauge", metrics.refreshInterval(), this::refresh);
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        refresh();
        job.start();
    }

    /** One count per state; never throws (it would end the repetition). */
    public void refresh() {
        try {
            for (BulkBatch.State state : BulkBatch.State.values()) {
                counts.get(state).set(batches.countInState(state));
            }
        } catch (RuntimeException e) {
            log.debug("Could not count bulk upgrades by state: {}", e.toString());
        }
    }

    @PreDestroy
    void stop() {
        job.stop();
    }
}
