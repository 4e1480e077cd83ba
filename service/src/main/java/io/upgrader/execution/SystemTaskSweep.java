package io.upgrader.execution;

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
 * Recovery: every {@code upgrader.system-tasks.sweep-interval} (0 disables it), hands RUNNING executions with
 * server work nobody is doing (a SCHEDULED HTTP or SUB_WORKFLOW task, a WAIT past its waitTimeout) to the
 * {@link SystemTaskRunner}: work left by a crash, or stored by an instance that stopped.
 */
@Component
class SystemTaskSweep {

    private static final Logger log = LoggerFactory.getLogger(SystemTaskSweep.class);
    /** Executions per sweep; the next sweep takes the rest. */
    private static final int PAGE = 300;

    private final SystemTaskClaims store;
    private final SystemTaskRunner runner;
    private final Clock clock;
    private final SystemTaskProperties properties;
    private final FixedDelayJob job;

    SystemTaskSweep(SystemTaskClaims store, SystemTaskRunner runner, Clock clock, SystemTaskProperties properties) {
        this.store = store;
        this.runner = runner;
        this.clock = clock;
        this.properties = properties;
        this.job = new FixedDelayJob("system-task-sweep", properties.sweepInterval(), this::sweep);
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        job.start();
    }

    /** One pass; public to the package for tests and for a caller that wants recovery now. */
    void sweep() {
        try {
            List<Workflow> found = store.findWithServerWork(clock.millis(), PAGE);
            if (!found.isEmpty()) {
                log.debug("Sweep found {} executions with system tasks to run", found.size());
            }
            found.forEach(runner::changed);
        } catch (RuntimeException e) {
            // Never let it escape: it would cancel the schedule.
            log.error("System task sweep failed", e);
        }
    }

    @PreDestroy
    void stop() {
        job.stop();
    }
}
