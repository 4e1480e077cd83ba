package io.upgrader.upgrade;

import io.upgrader.error.UnavailableException;

/** Carries commands to whichever instance applies them (the command topic). */
public interface UpgradeCommandBus {

    /**
     * Returns once the command is durably held (acknowledged by all in-sync replicas).
     *
     * @throws CommandNotPublishedException when it is not, within the configured time
     */
    void publish(UpgradeCommand command);

    /** Returns once all commands are durably held; an implementation may send them together. */
    default void publishAll(java.util.List<UpgradeCommand> commands) {
        commands.forEach(this::publish);
    }

    /** Retryable: the command may be recorded, and a retry with the same Idempotency-Key publishes it again. */
    class CommandNotPublishedException extends UnavailableException {
        public CommandNotPublishedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
