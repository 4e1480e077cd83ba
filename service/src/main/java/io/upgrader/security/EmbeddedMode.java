package io.upgrader.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Whether the service runs in its embedded development mode, the only one allowed to start without credentials.
 * The embedded infrastructure sets {@code upgrader.embedded.active} itself (its {@code EMBEDDED_MODE_PROPERTY})
 * when it embeds both Kafka and MongoDB; bound here so that security reads a typed value rather than the
 * Environment. The embedded module's own settings ({@code upgrader.embedded.host}, ...) are read by that module.
 *
 * @param active true when both Kafka and MongoDB are embedded; set by the service, not meant to be configured
 */
@ConfigurationProperties("upgrader.embedded")
public record EmbeddedMode(@DefaultValue("false") boolean active) {
}
