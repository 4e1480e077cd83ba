package io.upgrader.upgrade;

/** Where outcomes go for downstream consumers (the event topic). */
public interface UpgradeEventSink {

    /** Returns once the event is durably held; throws if it could not be. */
    void publish(UpgradeEvent event);
}
