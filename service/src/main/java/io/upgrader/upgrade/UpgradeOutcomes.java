package io.upgrader.upgrade;

import io.upgrader.error.DomainException;

import java.time.Duration;

/**
 * Where a request that waits for an outcome ({@code waitForSeconds}) is told that its command became final.
 * The upgrade core owns it; whatever learns of a final status (this instance's own apply) calls
 * {@link #completed}.
 */
public interface UpgradeOutcomes {

    /**
     * A place among the waiters, taken before the command is published so that a refused waiter has published
     * nothing.
     *
     * @throws TooManyWaitersException when {@code upgrader.upgrade.max-waiters} requests already wait
     */
    Waiter reserve();

    /** The command's status is final (recorded, and its event sent): wakes the requests waiting for it. */
    void completed(String commandId);

    /** One waiting request's place; closing it frees the place. */
    interface Waiter extends AutoCloseable {

        /** The command's status once final, or as it stands at the deadline. */
        UpgradeStatus awaitFinal(String commandId, Duration patience);

        @Override
        void close();
    }

    /** Retryable: as many requests as allowed are already waiting on this instance. */
    class TooManyWaitersException extends DomainException {
        public TooManyWaitersException(String message) {
            super(Kind.TOO_MANY_REQUESTS, message);
        }
    }
}
