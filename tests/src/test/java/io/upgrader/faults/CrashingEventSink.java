package io.upgrader.faults;

import io.upgrader.kafka.KafkaUpgradeEventSink;
import io.upgrader.upgrade.UpgradeEvent;
import io.upgrader.upgrade.UpgradeEventSink;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real event sink, except that for an armed command the first publish fails: the process "dies" after
 * the MongoDB write and before the event and the offset commit, so Kafka delivers the command again.
 */
public class CrashingEventSink implements UpgradeEventSink {

    @TestConfiguration
    public static class Configuration {
        @Bean
        @Primary
        CrashingEventSink crashingEventSink(KafkaUpgradeEventSink real) {
            return new CrashingEventSink(real);
        }
    }

    private final UpgradeEventSink real;
    private final Set<String> armed = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> crashes = new ConcurrentHashMap<>();

    CrashingEventSink(UpgradeEventSink real) {
        this.real = real;
    }

    void crashOnceAfterApplying(String commandId) {
        armed.add(commandId);
    }

    int crashes(String commandId) {
        return crashes.getOrDefault(commandId, new AtomicInteger()).get();
    }

    @Override
    public void publish(UpgradeEvent event) {
        if (armed.remove(event.commandId())) {
            crashes.computeIfAbsent(event.commandId(), id -> new AtomicInteger()).incrementAndGet();
            throw new IllegalStateException("simulated crash after applying command " + event.commandId());
        }
        real.publish(event);
    }
}
