package io.upgrader.upgrade;

import java.util.List;

/** Where outcomes go for downstream consumers (the event topic). */
public interface UpgradeEventSink {

    /** Returns once the event is durably held; throws if it could not be. */
    void publish(UpgradeEvent event);

    /** Returns once all events are durably held; an implementation may send them together. */
    default void publishAll(List<UpgradeEvent> events) {
        events.forEach(this::publish);
    }
}
