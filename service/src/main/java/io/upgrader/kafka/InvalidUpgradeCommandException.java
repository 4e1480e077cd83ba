package io.upgrader.kafka;

/** A record on the command topic that is not a command at all; it goes to the dead-letter topic. */
public class InvalidUpgradeCommandException extends RuntimeException {

    public InvalidUpgradeCommandException(String message) {
        super(message);
    }
}
