package io.upgrader.definition;

import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * Workflow definitions; the default is here, documented in docs/operations.md's configuration table.
 *
 * @param recentTtl how old a definition the HTTP pre-check of an upgrade may use (a change made through the same
 *                  instance is seen at once); {@code 0s} turns the cache off. The consumer always plans with the
 *                  stored definition, so a stale pre-check can only accept a command that is then REJECTED
 */
@Validated
@ConfigurationProperties("upgrader.definitions")
public record DefinitionProperties(@DefaultValue("5s") @NotNull @DurationMin(nanos = 0) Duration recentTtl) {
}
