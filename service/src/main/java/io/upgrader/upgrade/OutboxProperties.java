package io.upgrader.upgrade;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The outbox relay: the ACCEPTED status recorded by an HTTP upgrade holds its command, and every instance
 * publishes again the commands still ACCEPTED after {@code relayAge}. The defaults are here, documented in
 * docs/operations.md.
 *
 * @param relayAge      how long after its acceptance a command still ACCEPTED is published again; longer than
 *                      {@code upgrader.kafka.send-timeout} plus the usual consumer lag, so that the relay seldom
 *                      republishes a command that is merely on its way (harmless: the apply is idempotent)
 * @param relayInterval how often each instance looks for such commands; 0 disables the relay
 * @param pageSize      commands read per page of one pass
 */
@ConfigurationProperties("upgrader.outbox")
public record OutboxProperties(@DefaultValue("30s") Duration relayAge, @DefaultValue("10s") Duration relayInterval,
                               @DefaultValue("100") int pageSize) {

    public OutboxProperties {
        if (relayAge == null || relayAge.isNegative() || relayAge.isZero()) {
            throw new IllegalArgumentException("upgrader.outbox.relay-age must be positive");
        }
        if (relayInterval == null || relayInterval.isNegative()) {
            throw new IllegalArgumentException("upgrader.outbox.relay-interval must be 0 or positive");
        }
        if (pageSize < 1 || pageSize > 10_000) {
            throw new IllegalArgumentException("upgrader.outbox.page-size must be between 1 and 10000");
        }
    }
}
