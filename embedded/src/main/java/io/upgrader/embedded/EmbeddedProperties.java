package io.upgrader.embedded;

import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.core.env.Environment;
import org.springframework.validation.annotation.Validated;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;

import java.nio.file.Path;

/**
 * The embedded development mode's settings; the defaults are here, documented in docs/operations.md's
 * configuration table. Bound from the Environment by {@link EmbeddedInfrastructure} before any bean exists: the
 * broker and the server must run before the context creates the clients that connect to them.
 *
 * @param enabled            start the in-process broker/server where KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI are unset
 * @param host               address the embedded broker and server bind to
 * @param kafkaPort          port of the embedded Kafka broker
 * @param mongodbPort        port of the embedded MongoDB-wire server
 * @param mongodbCacheSizeMb page cache of the embedded server's H2 file, in MiB
 * @param dataDir            where the embedded broker's log and the H2 file live
 */
@Validated
@ConfigurationProperties(EmbeddedProperties.PREFIX)
public record EmbeddedProperties(@DefaultValue("true") boolean enabled,
                                 @DefaultValue("127.0.0.1") @NotBlank String host,
                                 @DefaultValue("9092") @Min(1) @Max(65_535) int kafkaPort,
                                 @DefaultValue("27017") @Min(1) @Max(65_535) int mongodbPort,
                                 @DefaultValue("64") @Min(1) int mongodbCacheSizeMb,
                                 @DefaultValue("./data") @NotNull Path dataDir) {

    static final String PREFIX = "upgrader.embedded";

    /**
     * Binds and validates the settings as Spring Boot would for a bean, so that a bad value fails the start with
     * the property, its value and the reason.
     */
    static EmbeddedProperties bind(Environment environment) {
        try (ValidatorFactory validation = Validation.buildDefaultValidatorFactory()) {
            return Binder.get(environment).bindOrCreate(PREFIX, Bindable.of(EmbeddedProperties.class),
                    new ValidationBindHandler(new SpringValidatorAdapter(validation.getValidator())));
        }
    }
}
