package io.upgrader.upgrade;

import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * The waiting requests of this instance, by commandId. A waiter parks its thread and is unparked by
 * {@link #completed} when this instance records the command's outcome; a command applied by another instance of
 * the consumer group is seen by reading the status again every {@code upgrader.upgrade.wait-recheck-interval}
 * (a coarse timer, not a poll loop). At most {@code upgrader.upgrade.max-waiters} wait at the same time.
 */
@Component
public class UpgradeWaiters implements UpgradeOutcomes {

    private final UpgradeStatuses statuses;
    private final int maxWaiters;
    private final Duration recheck;
    private final Semaphore places;
    private final Map<String, Set<Thread>> waiting = new ConcurrentHashMap<>();

    public UpgradeWaiters(UpgradeStatuses statuses, UpgradeProperties properties) {
        this.statuses = statuses;
        this.maxWaiters = properties.maxWaiters();
        this.recheck = properties.waitRecheckInterval();
        this.places = new Semaphore(properties.maxWaiters());
    }

    @Override
    public Waiter reserve() {
        if (!places.tryAcquire()) {
            throw new TooManyWaitersException("Too many requests waiting for an upgrade outcome on this instance ("
                    + maxWaiters + "); retry, or call without waitForSeconds and read the status resource");
        }
        return new Place();
    }

    @Override
    public void completed(String commandId) {
        Set<Thread> threads = waiting.get(commandId);
        if (threads != null) {
            threads.forEach(LockSupport::unpark);
        }
    }

    /** How many requests wait right now (for tests and metrics). */
    public int waiting() {
        return maxWaiters - places.availablePermits();
    }

    private final class Place implements Waiter {

        private boolean open = true;

        @Override
        public UpgradeStatus awaitFinal(String commandId, Duration patience) {
            Thread self = Thread.currentThread();
            long deadline = System.nanoTime() + patience.toNanos();
            // Registered before the first read: a completion after it unparks us, one before it is read.
            waiting.compute(commandId, (id, threads) -> {
                Set<Thread> registered = threads == null ? ConcurrentHashMap.newKeySet() : threads;
                registered.add(self);
                return registered;
            });
            try {
                while (true) {
                    Optional<UpgradeStatus> status = statuses.find(commandId);
                    long remaining = deadline - System.nanoTime();
                    if (status.isPresent() && status.get().status().isFinal() || remaining <= 0) {
                        return status.orElseThrow();
                    }
                    LockSupport.parkNanos(this, Math.min(recheck.toNanos(), remaining));
                    if (Thread.interrupted()) {
                        Thread.currentThread().interrupt();
                        return statuses.find(commandId).orElseThrow();
                    }
                }
            } finally {
                waiting.computeIfPresent(commandId, (id, threads) -> {
                    threads.remove(self);
                    return threads.isEmpty() ? null : threads;
                });
            }
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                places.release();
            }
        }
    }
}
