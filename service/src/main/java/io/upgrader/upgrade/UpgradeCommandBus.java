package io.upgrader.upgrade;

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

    class CommandNotPublishedException extends RuntimeException {
        public CommandNotPublishedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
