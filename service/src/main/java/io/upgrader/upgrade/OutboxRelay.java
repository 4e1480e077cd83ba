package io.upgrader.upgrade;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.upgrader.background.FixedDelayJob;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The relay of the outbox. An HTTP upgrade records its command in the ACCEPTED status before publishing it; when
 * the publish failed or the process died in between, the command would stay ACCEPTED forever. Every
 * {@code upgrader.outbox.relay-interval}, each instance publishes again every command still ACCEPTED whose
 * acceptedAt is older than {@code upgrader.outbox.relay-age}, a page at a time. Several instances may do so at
 * once: the consumer applies a commandId once, so a second copy on the topic changes nothing.
 * <p>
 * An applied command keeps its ACCEPTED record (the execution's upgradeHistory is where APPLIED is read); the
 * relay finds it there and records APPLIED, so it is not looked at again. Records written before the outbox
 * have no command: they are skipped with a warning. Commands from upstream producers have no ACCEPTED record.
 */
@Component
public class OutboxRelay {

    /** Commands published again by the relay. */
    public static final String REPUBLISHED_METRIC = "upgrader.outbox.republished";

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final UpgradeOutbox store;
    private final UpgradeStatuses statuses;
    private final UpgradeCommandBus bus;
    private final JsonMapper json;
    private final Clock clock;
    private final OutboxProperties properties;
    private final Counter republished;
    /** Records without a command already warned about, so that each is logged once per instance. */
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final FixedDelayJob job;

    public OutboxRelay(UpgradeOutbox store, UpgradeStatuses statuses, UpgradeCommandBus bus, JsonMapper json,
                       Clock clock, OutboxProperties properties, MeterRegistry meters) {
        this.store = store;
        this.statuses = statuses;
        this.bus = bus;
        this.json = json;
        this.clock = clock;
        this.properties = properties;
        this.job = new FixedDelayJob("outbox-relay", properties.relayInterval(), this::relayOnce);
        this.republished = Counter.builder(REPUBLISHED_METRIC)
                .description("ACCEPTED upgrade commands published again by the outbox relay").register(meters);
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        job.start();
    }

    /** One pass over every page; never throws (it would cancel the schedule). @return commands published */
    public int relayOnce() {
        int published = 0;
        try {
            UpgradeOutbox.Outboxed after = null;
            while (true) {
                List<UpgradeOutbox.Outboxed> page = store.findAcceptedBefore(
                        clock.instant().minus(properties.relayAge()), after, properties.pageSize());
                for (UpgradeOutbox.Outboxed pending : page) {
                    published += relay(pending) ? 1 : 0;
                }
                if (page.size() < properties.pageSize()) {
                    return published;
                }
                after = page.get(page.size() - 1);
            }
        } catch (RuntimeException e) {
            // The broker or the store away: the next pass tries again.
            log.warn("Outbox relay pass stopped after {} commands: {}", published, e.toString());
            return published;
        }
    }

    private boolean relay(UpgradeOutbox.Outboxed pending) {
        Optional<UpgradeStatus> current = statuses.find(pending.commandId());
        if (current.isPresent() && current.get().status().isFinal()) {
            // Applied: recorded where the relay looks, so that this command leaves its scan.
            store.recordOutcome(current.get());
            return false;
        }
        if (pending.commandJson() == null) {
            if (warned.size() < 10_000 && warned.add(pending.commandId())) {
                log.warn("Upgrade command {} of workflow {} is still ACCEPTED but was recorded without its body "
                        + "(before the outbox); it cannot be published again", pending.commandId(),
                        pending.workflowId());
            }
            return false;
        }
        bus.publish(json.readValue(pending.commandJson(), UpgradeCommand.class));
        republished.increment();
        log.info("Outbox relay published again upgrade command {} of workflow {}", pending.commandId(),
                pending.workflowId());
        return true;
    }

    @PreDestroy
    void stop() {
        job.stop();
    }
}
